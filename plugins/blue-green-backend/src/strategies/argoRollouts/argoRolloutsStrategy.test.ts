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
    services: [
      {
        metadata: { name: 'my-app-active', namespace: 'rollouts-demo' },
        spec: {
          selector: { app: 'my-app', 'rollouts-pod-template-hash': 'aaa' },
        },
      },
    ],
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

  it('takes the live color from the active Service, not from the Rollout status', async () => {
    const kube = cluster();
    // Someone points the active Service at the paused revision by hand.
    kube.objects.services[0].spec.selector['rollouts-pod-template-hash'] =
      'bbb';
    const snapshot = await strategy.read(kube, target);
    expect(snapshot.live).toBe('green');
    expect(snapshot.colors.green.role).toBe('live');
    expect(snapshot.problems).toContain(
      "Service my-app-active selects rollouts-pod-template-hash=bbb, but the Rollout's active revision is aaa: the Service was changed outside Argo Rollouts",
    );
    // Neither switch is decided on a state the controller is about to undo.
    expect(strategy.refusals(snapshot, 'promote', 'blue')[0]).toContain(
      "does not select the Rollout's active revision",
    );
    expect(strategy.refusals(snapshot, 'rollback', 'blue')).toHaveLength(1);

    // A selector without the revision label sends traffic to every revision.
    delete kube.objects.services[0].spec.selector['rollouts-pod-template-hash'];
    const both = await strategy.read(kube, target);
    expect(both.live).toBe('split');
    expect(both.problems[0]).toContain('selects no revision');

    kube.objects.services = [];
    const missing = await strategy.read(kube, target);
    expect(missing.live).toBe('none');
    expect(missing.problems).toContain(
      "Service rollouts-demo/my-app-active (the Rollout's active Service) does not exist",
    );
  });

  it('knows the stable revision was live before a new one that is live but not stable yet', async () => {
    const kube = cluster();
    const waiting = await strategy.read(kube, target);
    expect(strategy.previousLive!(waiting)).toBeUndefined();
    // Promoted: the active Service and status moved to bbb, aaa is still stable (analysis runs).
    kube.objects.rollouts[0].status.blueGreen.activeSelector = 'bbb';
    kube.objects.services[0].spec.selector['rollouts-pod-template-hash'] =
      'bbb';
    const analysing = await strategy.read(kube, target);
    expect(analysing.live).toBe('green');
    expect(strategy.previousLive!(analysing)).toBe('blue');
    // Stable: Argo's own record no longer says what was before.
    kube.objects.rollouts[0].status.stableRS = 'bbb';
    expect(strategy.previousLive!(await strategy.read(kube, target))).toBe(
      undefined,
    );
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
