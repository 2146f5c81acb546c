import { BlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';
import { FakeKube } from '../../__testUtils__/FakeKube';
import { analysisRunItems } from './analysisRuns';
import { argoRolloutsStrategy as strategy } from './argoRolloutsStrategy';

const target: BlueGreenTarget = {
  strategy: 'argo-rollouts',
  namespace: 'rollouts-demo',
  name: 'my-app',
  colorLabel: 'color',
  healthPath: '/health',
  service: 'my-app-active',
  previewService: 'my-app-preview',
  rollout: 'my-app',
};

const replicaSet = (revision: number, hash: string, image: string) => ({
  metadata: {
    name: `my-app-${hash}`,
    namespace: 'rollouts-demo',
    labels: { app: 'my-app', 'rollouts-pod-template-hash': hash },
    annotations: { 'rollout.argoproj.io/revision': String(revision) },
    ownerReferences: [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        name: 'my-app',
        uid: 'r1',
      },
    ],
  },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'app', image }] } },
  },
  status: { readyReplicas: 2, availableReplicas: 2 },
});

/** Revision 1 (stable, live) and revision 2 paused in preview. */
function cluster(): FakeKube {
  const rollout: KubeObject = {
    metadata: { name: 'my-app', namespace: 'rollouts-demo', uid: 'r1' },
    spec: {
      selector: { matchLabels: { app: 'my-app' } },
      strategy: {
        blueGreen: {
          activeService: 'my-app-active',
          previewService: 'my-app-preview',
          autoPromotionEnabled: false,
        },
      },
    },
    status: {
      phase: 'Paused',
      stableRS: 'aaa',
      currentPodHash: 'bbb',
      pauseConditions: [{ reason: 'BlueGreenPause' }],
      blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' },
    },
  };
  return new FakeKube('sandbox', {
    rollouts: [rollout],
    replicasets: [
      replicaSet(1, 'aaa', 'my-app:1.0.0'),
      replicaSet(2, 'bbb', 'my-app:1.1.0'),
    ],
    pods: [],
  });
}

describe('argoRolloutsStrategy', () => {
  it('gives odd revisions blue and even ones green, and tells colors apart by pod-template hash', async () => {
    const snapshot = await strategy.read(cluster(), target);
    expect(snapshot.live).toBe('blue');
    expect(snapshot.colors.blue).toMatchObject({
      role: 'live',
      version: '1.0.0',
      workload: { kind: 'ReplicaSet', podTemplateHash: 'aaa', revision: '1' },
    });
    expect(snapshot.colors.green.preview?.description).toBe(
      'Service my-app-preview selects this revision',
    );
    expect(snapshot.facts).toContainEqual({
      label: 'phase',
      value: 'Paused · paused',
    });
    const group = strategy.metricGroup(target, snapshot);
    expect(group.label).toBe('rollouts-pod-template-hash');
    expect([
      group.colorOf('aaa'),
      group.colorOf('bbb'),
      group.colorOf('x'),
    ]).toEqual(['blue', 'green', undefined]);
    expect(strategy.liveService(target, snapshot)).toBe('my-app-active');
  });

  it('refuses a promote with no new revision waiting, and leaves rollback to Argo', async () => {
    const kube = cluster();
    const waiting = await strategy.read(kube, target);
    expect(strategy.refusals(waiting, 'promote', 'green')).toEqual([]);
    kube.objects.rollouts[0].status.currentPodHash = 'aaa';
    const stable = await strategy.read(kube, target);
    expect(strategy.refusals(stable, 'promote', 'green')[0]).toMatch(
      /^no new revision is waiting/,
    );
    expect(strategy.capabilities).toMatchObject({
      fullPromote: true,
      scale: false,
      managesScaleDown: true,
      rollbackNeedsReadyTarget: false,
    });
  });

  it("turns the revision's AnalysisRuns of the Rollout into required checklist items", async () => {
    const kube = cluster();
    const run = (name: string, owner: string, phase: string): any => ({
      metadata: {
        name,
        namespace: 'rollouts-demo',
        labels: {
          'rollouts-pod-template-hash': 'bbb',
          'rollout-type': 'PrePromotion',
        },
        ownerReferences: [{ kind: 'Rollout', name: owner }],
      },
      spec: {
        metrics: [{ name: 'success-rate', successCondition: 'result >= 0.95' }],
      },
      status: {
        phase,
        metricResults: [
          { name: 'success-rate', phase, measurements: [{ value: '0.99' }] },
        ],
      },
    });
    kube.objects.analysisruns = [
      run('pre-1', 'my-app', 'Successful'),
      run('pre-other', 'someone-else', 'Failed'),
    ];
    const snapshot = await strategy.read(kube, target);
    const items = await analysisRunItems(
      kube,
      target,
      snapshot,
      'green',
      'pre',
    );
    expect(items).toEqual([
      expect.objectContaining({
        id: 'analysis-pre-1',
        required: true,
        status: 'pass',
        observed: 'success-rate: 0.99 (Successful)',
        threshold: 'success-rate: result >= 0.95',
      }),
    ]);
    expect(
      await analysisRunItems(kube, target, snapshot, 'green', 'post'),
    ).toEqual([]);
  });
});
