/**
 * Differential fidelity: the sandbox's API and kubectl conformance cases, run against the sandbox
 * and against a real control plane (kube-apiserver, kube-controller-manager and etcd of one
 * Kubernetes release, built by tools/control-plane/build.sh). A case that passes on one and fails on
 * the other is a difference to fix in the sandbox, or to list in the README with its reason.
 */
import { apiCases } from '../testing/apiCases';
import { kubectlCases } from '../testing/kubectlCases';
import { KubeTarget, startTarget, TARGETS } from '../testing/targets';

jest.setTimeout(120_000);

describe.each(TARGETS)('Kubernetes API and kubectl on the %s', name => {
  let target: KubeTarget;
  beforeAll(async () => {
    target = await startTarget(name, {
      scenario: 'empty',
      podReadyDelayMs: 200,
      traffic: false,
    });
  }, 300_000);
  afterAll(() => target?.stop());

  describe('API semantics', () => {
    apiCases(() => target);
  });
  describe('kubectl with the seeds', () => {
    kubectlCases(() => target);
  });
});
