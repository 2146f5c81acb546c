/**
 * Seed 001 §3 as written: its rollout.yaml and services.yaml applied with kubectl, then its
 * `kubectl argo rollouts` commands verbatim, run by the real kubectl plugin against the real Argo
 * Rollouts controller on a real control plane (built from their Go modules; see
 * tools/control-plane/). The sandbox emulates this controller; these are the answers it is held to.
 */
import { spawn } from 'node:child_process';
import { ControlPlane, startControlPlane } from '../controlPlane';
import { fixture } from '../scenarios';
import { waitFor } from '../testing/helpers';

jest.setTimeout(180_000);

describe('Argo Rollouts: seed 001 §3 with the real controller and kubectl plugin', () => {
  let plane: ControlPlane;
  /** A command as the seed writes it. */
  const argo = (command: string) =>
    plane.kubectl(command.replace(/^kubectl /, '').split(' '));
  const rollout = async () =>
    await plane.api.call(
      'GET',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/my-app',
    );
  const serving = async (service: string) =>
    (
      await plane.fetchInCluster(await plane.serviceUrl('default', service))
    ).text.trim();

  beforeAll(async () => {
    plane = await startControlPlane();
    const applied = await plane.kubectl([
      'apply',
      '-f',
      fixture('seed-001', 'services.yaml'),
      '-f',
      fixture('seed-001', 'rollout.yaml'),
    ]);
    if (applied.code !== 0) throw new Error(applied.stderr);
    await waitFor(
      async () => (await rollout()).status?.phase === 'Healthy',
      90_000,
      'the Rollout Healthy',
    );
  }, 300_000);
  afterAll(() => plane?.stop());

  it('kubectl argo rollouts get rollout my-app -w: the tree of the Healthy rollout', async () => {
    // -w never ends by itself: read what it prints, then stop it as a user would.
    const watch = spawn(
      'kubectl',
      ['argo', 'rollouts', 'get', 'rollout', 'my-app', '-w'],
      {
        env: plane.env,
      },
    );
    let out = '';
    // The plugin colors its output even off a terminal.
    const ansi = new RegExp(
      `${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`,
      'g',
    );
    watch.stdout.on('data', d => (out += String(d).replace(ansi, '')));
    await waitFor(
      () => out.includes('my-app:1.1.0') && out.includes('Healthy'),
      30_000,
      'the tree',
    );
    watch.kill('SIGINT');
    expect(out).toMatch(/Name:\s+my-app/);
    expect(out).toMatch(/Strategy:\s+BlueGreen/);
    expect(out).toMatch(/Images:\s+my-app:1.1.0 \(stable, active\)/);
    expect(out).toMatch(/Replicas:\s*\n\s+Desired:\s+4\s*\n\s+Current:\s+4/);
  });

  it('set image → paused behind the preview; promote → the active Service serves it', async () => {
    const set = await argo(
      'kubectl argo rollouts set image my-app app=my-app:1.2.0',
    );
    expect(set.stdout).toBe('rollout "my-app" image updated\n');
    await waitFor(
      async () =>
        (await rollout()).status?.pauseConditions?.[0]?.reason ===
        'BlueGreenPause',
      60_000,
      'BlueGreenPause',
    );
    expect(await serving('my-app-preview')).toBe('Hello from my-app v1.2.0');
    expect(await serving('my-app-active')).toBe('Hello from my-app v1.1.0');

    const promote = await argo('kubectl argo rollouts promote my-app');
    expect(promote.stdout).toBe("rollout 'my-app' promoted\n");
    await waitFor(
      async () =>
        (await serving('my-app-active')) === 'Hello from my-app v1.2.0',
      60_000,
      'the active Service on 1.2.0',
    );
    await waitFor(
      async () => (await rollout()).status?.phase === 'Healthy',
      60_000,
      'Healthy',
    );
  });

  it('abort sends traffic back to the stable revision; undo rolls the template back', async () => {
    await argo('kubectl argo rollouts set image my-app app=my-app:1.3.0');
    await waitFor(
      async () =>
        (await rollout()).status?.pauseConditions?.[0]?.reason ===
        'BlueGreenPause',
      60_000,
      'BlueGreenPause',
    );
    const abort = await argo('kubectl argo rollouts abort my-app');
    expect(abort.stdout).toBe("rollout 'my-app' aborted\n");
    await waitFor(
      async () => (await rollout()).status?.phase === 'Degraded',
      60_000,
      'Degraded',
    );
    expect((await rollout()).status.message).toMatch(/RolloutAborted/);
    expect(await serving('my-app-active')).toBe('Hello from my-app v1.2.0');

    const undo = await argo('kubectl argo rollouts undo my-app');
    expect(undo.stdout).toBe("rollout 'my-app' undo\n");
    await waitFor(
      async () =>
        (await rollout()).spec.template.spec.containers[0].image ===
          'my-app:1.2.0' && (await rollout()).status?.phase === 'Healthy',
      60_000,
      'the template back on 1.2.0 and Healthy',
    );
    expect(await serving('my-app-active')).toBe('Hello from my-app v1.2.0');
  });

  it('kubectl argo rollouts dashboard serves the rollout on localhost:3100', async () => {
    const dashboard = spawn('kubectl', ['argo', 'rollouts', 'dashboard'], {
      env: plane.env,
    });
    try {
      // It listens on 127.0.0.1 only ("localhost" may resolve to ::1 first); the UI is at
      // /rollouts and its API under it.
      const info = await waitFor(
        async () => {
          const res = await fetch(
            'http://127.0.0.1:3100/rollouts/api/v1/rollouts/default/info',
          );
          return res.ok && res.json();
        },
        30_000,
        'the dashboard',
      );
      expect(info.rollouts.map((r: any) => r.objectMeta.name)).toEqual([
        'my-app',
      ]);
    } finally {
      dashboard.kill('SIGINT');
    }
  });
});
