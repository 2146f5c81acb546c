/**
 * The seed Rollout driven by the exact patches `kubectl argo rollouts` sends (REFERENCE §A.2),
 * against the sandbox's Rollout controller and against the real Argo Rollouts controller on a real
 * control plane (see targets.ts).
 */
import { kubectl, waitFor } from '../testing/helpers';
import { KubeTarget, startTarget, TARGETS } from '../testing/targets';

jest.setTimeout(120000);

const RO =
  '/apis/argoproj.io/v1alpha1/namespaces/rollouts-demo/rollouts/my-app';
const merge = 'application/merge-patch+json';

describe.each(TARGETS)('Argo Rollouts blue/green on the %s', name => {
  let target: KubeTarget;
  const api = (
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ) => target.api(method, path, body, { contentType });
  const get = async () => (await api('GET', RO)).json;
  const active = async () =>
    (await target.get('rollouts-demo', 'my-app-active')).text.trim();
  const preview = async () =>
    (await target.get('rollouts-demo', 'my-app-preview')).text.trim();

  beforeAll(async () => {
    target = await startTarget(name, {
      scenario: 'seeds',
      podReadyDelayMs: 200,
      traffic: false,
    });
  }, 300_000);
  afterAll(() => target?.stop());

  it('starts with the new revision paused in BlueGreenPause behind the preview Service', async () => {
    const ro = await waitFor(
      async () => {
        const r = await get();
        return r.status?.phase === 'Paused' &&
          r.status.blueGreen.previewSelector !==
            r.status.blueGreen.activeSelector
          ? r
          : undefined;
      },
      20000,
      'paused rollout',
    );
    expect(ro.status.pauseConditions).toEqual([
      { reason: 'BlueGreenPause', startTime: expect.any(String) },
    ]);
    expect(ro.status.controllerPause).toBe(true);
    expect(ro.status.message).toBe('BlueGreenPause');
    expect(ro.status.observedGeneration).toBe(String(ro.metadata.generation));
    expect(ro.status.stableRS).toBe(ro.status.blueGreen.activeSelector);
    expect(ro.status.currentPodHash).toBe(ro.status.blueGreen.previewSelector);
    expect(await active()).toBe('Hello from my-app v1.0.0');
    expect(await preview()).toBe('Hello from my-app v1.1.0');
    const svc = (
      await api(
        'GET',
        '/api/v1/namespaces/rollouts-demo/services/my-app-preview',
      )
    ).json;
    expect(svc.spec.selector['rollouts-pod-template-hash']).toBe(
      ro.status.currentPodHash,
    );
    expect(
      svc.metadata.annotations['argo-rollouts.argoproj.io/managed-by-rollouts'],
    ).toBe('my-app');
    // previewReplicaCount: 2
    const rs = (
      await api(
        'GET',
        `/apis/apps/v1/namespaces/rollouts-demo/replicasets/my-app-${ro.status.currentPodHash}`,
      )
    ).json;
    expect(rs.spec.replicas).toBe(2);
  });

  it('promote: {"status":{"pauseConditions":null}} switches the active Service', async () => {
    const r = await api(
      'PATCH',
      `${RO}/status`,
      { status: { pauseConditions: null } },
      merge,
    );
    expect(r.status).toBe(200);
    const ro = await waitFor(
      async () => {
        const x = await get();
        return x.status.phase === 'Healthy' ? x : undefined;
      },
      20000,
      'healthy',
    );
    expect(ro.status.stableRS).toBe(ro.status.currentPodHash);
    expect(ro.status.blueGreen.activeSelector).toBe(ro.status.currentPodHash);
    expect(await active()).toBe('Hello from my-app v1.1.0');
    // scaleDownDelaySeconds: the old ReplicaSet is kept, with a deadline.
    const list = (
      await api('GET', '/apis/apps/v1/namespaces/rollouts-demo/replicasets')
    ).json.items;
    const old = list.find(
      (x: any) =>
        x.metadata.labels['rollouts-pod-template-hash'] !==
        ro.status.currentPodHash,
    );
    expect(old.spec.replicas).toBe(4);
    expect(old.metadata.annotations['scale-down-deadline']).toBeDefined();
  });

  it('abort sends traffic back to stable; retry pauses again; promote --full finishes', async () => {
    await kubectl(target, [
      '-n',
      'rollouts-demo',
      'patch',
      'rollout',
      'my-app',
      '--type',
      'merge',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"my-app:1.2.0","ports":[{"containerPort":8080}]}]}}}}',
    ]);
    await waitFor(
      async () => (await get()).status.phase === 'Paused',
      20000,
      'paused on 1.2.0',
    );
    expect(await preview()).toBe('Hello from my-app v1.2.0');
    await api('PATCH', `${RO}/status`, { status: { abort: true } }, merge);
    const aborted = await waitFor(
      async () => {
        const x = await get();
        return x.status.phase === 'Degraded' ? x : undefined;
      },
      20000,
      'degraded',
    );
    expect(aborted.status.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 3',
    );
    expect(aborted.status.abort).toBe(true);
    expect(aborted.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Progressing',
        status: 'False',
        reason: 'RolloutAborted',
      }),
    );
    expect(await active()).toBe('Hello from my-app v1.1.0');
    // The preview Service is left on the aborted revision (the controller skips it while aborted),
    // whose pods go after abortScaleDownDelaySeconds (30 s).
    expect(await preview()).toBe('Hello from my-app v1.2.0');

    await api('PATCH', `${RO}/status`, { status: { abort: false } }, merge);
    await waitFor(
      async () => (await get()).status.phase === 'Paused',
      20000,
      'paused again after retry',
    );

    await api(
      'PATCH',
      `${RO}/status`,
      { status: { promoteFull: true } },
      merge,
    );
    const done = await waitFor(
      async () => {
        const x = await get();
        return x.status.phase === 'Healthy' ? x : undefined;
      },
      20000,
      'healthy after promote --full',
    );
    expect(done.status.promoteFull).toBeUndefined();
    expect(await active()).toBe('Hello from my-app v1.2.0');
  });

  it('undo: the JSON patch of spec.template brings the previous revision back', async () => {
    const rsList = (
      await api(
        'GET',
        '/apis/apps/v1/namespaces/rollouts-demo/replicasets?labelSelector=app%3Dmy-app',
      )
    ).json.items;
    const byRev = rsList.sort(
      (a: any, b: any) =>
        Number(b.metadata.annotations['rollout.argoproj.io/revision']) -
        Number(a.metadata.annotations['rollout.argoproj.io/revision']),
    );
    const previous = JSON.parse(JSON.stringify(byRev[1].spec.template));
    delete previous.metadata.labels['rollouts-pod-template-hash'];
    const r = await api(
      'PATCH',
      RO,
      [{ op: 'replace', path: '/spec/template', value: previous }],
      'application/json-patch+json',
    );
    expect(r.status).toBe(200);
    await waitFor(
      async () => (await get()).status.phase === 'Paused',
      20000,
      'undo pauses for promotion',
    );
    expect(await preview()).toBe('Hello from my-app v1.1.0');
    const ro = await get();
    expect(
      Number(
        (
          await api(
            'GET',
            `/apis/apps/v1/namespaces/rollouts-demo/replicasets/my-app-${ro.status.currentPodHash}`,
          )
        ).json.metadata.annotations['rollout.argoproj.io/revision'],
      ),
    ).toBe(4);
  });
});
