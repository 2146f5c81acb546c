/* eslint-disable jest/no-export -- a library of cases, run by the suites that import it */
/**
 * The seeds' kubectl commands, run by the real kubectl against a cluster (the sandbox, or a real
 * control plane: see targets.ts), and seed 001's switch-traffic.sh unmodified; real HTTP through
 * the Service's address.
 */
import { execFile } from 'child_process';
import path from 'path';
import { promisify } from 'util';
import { FIXTURES_DIR } from '../scenarios';
import { kubectl, waitFor } from './helpers';
import type { KubeTarget } from './targets';

const f = (...p: string[]) => path.join(FIXTURES_DIR, ...p);

async function versions(target: KubeTarget, name: string, n = 12) {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++)
    seen.add((await target.get('default', name)).text.trim());
  return [...seen].sort();
}

export function kubectlCases(getTarget: () => KubeTarget) {
  let target: KubeTarget;
  beforeAll(() => {
    target = getTarget();
  });

  it('applies seed 001 §2, switches with switch-traffic.sh, and real HTTP follows', async () => {
    const applied = await kubectl(target, [
      'apply',
      '-f',
      f('seed-001/blue-deployment.yaml'),
      '-f',
      f('seed-001/green-deployment.yaml'),
      '-f',
      f('seed-001/service.yaml'),
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe(
      'deployment.apps/my-app-blue created\ndeployment.apps/my-app-green created\nservice/my-app created\n',
    );
    for (const d of ['my-app-blue', 'my-app-green']) {
      const st = await kubectl(target, [
        'rollout',
        'status',
        `deployment/${d}`,
        '--timeout=30s',
      ]);
      expect(st.stdout).toContain(`deployment "${d}" successfully rolled out`);
    }
    const pods = await kubectl(target, ['get', 'pods', '--show-labels']);
    const lines = pods.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS$/,
    );
    expect(
      lines.filter(
        l =>
          /1\/1\s+Running/.test(l) &&
          l.includes('color=blue') &&
          l.includes('version=v1.0.0'),
      ),
    ).toHaveLength(3);
    expect(
      lines.filter(l => /1\/1\s+Running/.test(l) && l.includes('color=green')),
    ).toHaveLength(3);

    expect(
      (
        await kubectl(target, [
          'get',
          'svc',
          'my-app',
          '-o',
          'jsonpath={.spec.selector.color}',
        ])
      ).stdout,
    ).toBe('blue');
    expect(
      (
        await kubectl(target, [
          'get',
          'deployment',
          'my-app-green',
          '-o',
          'jsonpath={.status.readyReplicas}',
        ])
      ).stdout,
    ).toBe('3');
    expect(await versions(target, 'my-app')).toEqual([
      'Hello from my-app v1.0.0',
    ]);

    const exec = promisify(execFile);
    const run = await exec('bash', [f('seed-001/switch-traffic.sh'), 'green'], {
      env: {
        ...process.env,
        KUBECONFIG: target.kubeconfigPath,
        KUBECACHEDIR: `${target.dataDir}/kube-cache`,
      },
    });
    expect(run.stdout).toContain('Current: blue -> Target: green');
    expect(run.stdout).toContain('service/my-app patched');
    expect(run.stdout).toContain('Traffic switched to green successfully!');
    expect(run.stdout).toMatch(
      /my-app\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\s+app=my-app,color=green/,
    );
    const greenIps = (
      await kubectl(target, [
        'get',
        'pods',
        '-l',
        'color=green',
        '-o',
        'jsonpath={.items[*].status.podIP}',
      ])
    ).stdout.split(' ');
    const eps = await kubectl(target, [
      'get',
      'endpoints',
      'my-app',
      '-o',
      'jsonpath={.subsets[0].addresses[*].ip}',
    ]);
    expect(eps.stdout.split(' ').sort()).toEqual(greenIps.sort());
    expect(await versions(target, 'my-app')).toEqual([
      'Hello from my-app v1.1.0',
    ]);
  });

  it('runs seed 002: describe, patch --patch-file, scale, delete', async () => {
    expect(
      (await kubectl(target, ['apply', '-f', f('seed-002/blue-env.yaml')]))
        .stdout,
    ).toBe(
      'deployment.apps/test-deployment-blue created\nservice/test-service created\n',
    );
    expect(
      (await kubectl(target, ['apply', '-f', f('seed-002/green-env.yaml')]))
        .stdout,
    ).toBe('deployment.apps/test-deployment-green created\n');
    await kubectl(target, [
      'rollout',
      'status',
      'deployment/test-deployment-blue',
      '--timeout=30s',
    ]);
    await kubectl(target, [
      'rollout',
      'status',
      'deployment/test-deployment-green',
      '--timeout=30s',
    ]);
    const before = await kubectl(target, [
      'describe',
      'service',
      'test-service',
    ]);
    expect(before.stdout).toMatch(/Selector:\s+app=test-pod,color=blue/);
    expect(before.stdout).toMatch(/Endpoints:\s+\d+\.\d+\.\d+\.\d+:8080/);
    expect(await versions(target, 'test-service')).toEqual([
      'Hello from nginx 1.14',
    ]);

    const patched = await kubectl(target, [
      'patch',
      'service',
      'test-service',
      '--patch-file',
      f('seed-002/patch-green.yaml'),
    ]);
    expect(patched.stdout).toBe('service/test-service patched\n');
    const after = await kubectl(target, [
      'describe',
      'service',
      'test-service',
    ]);
    expect(after.stdout).toMatch(/Selector:\s+app=test-pod,color=green/);
    const greenIps = (
      await kubectl(target, [
        'get',
        'pods',
        '-l',
        'app=test-pod,color=green',
        '-o',
        'jsonpath={.items[*].status.podIP}',
      ])
    ).stdout.split(' ');
    // kubectl shows the first three endpoints, in the server's order (unsorted on a real cluster).
    const shown = /Endpoints:\s+(.*)/.exec(after.stdout)![1];
    expect(
      shown.match(/[\d.]+(?=:8080)/g)!.every(ip => greenIps.includes(ip)),
    ).toBe(true);
    expect(await versions(target, 'test-service')).toEqual([
      'Hello from nginx 1.17',
    ]);

    expect(
      (
        await kubectl(target, [
          'scale',
          'deployment',
          'test-deployment-green',
          '--replicas=2',
        ])
      ).stdout,
    ).toBe('deployment.apps/test-deployment-green scaled\n');
    await waitFor(
      async () =>
        (
          await kubectl(target, [
            'get',
            'deployment',
            'test-deployment-green',
            '-o',
            'jsonpath={.status.replicas}/{.status.readyReplicas}',
          ])
        ).stdout === '2/2',
      20000,
      'scale to 2',
    );

    expect(
      (await kubectl(target, ['delete', 'deployment', 'test-deployment-blue']))
        .stdout,
    ).toBe('deployment.apps "test-deployment-blue" deleted\n');
    await waitFor(
      async () =>
        (
          await kubectl(target, [
            'get',
            'pods',
            '-l',
            'app=test-pod,color=blue',
          ])
        ).stderr.includes('No resources found'),
      20000,
      'blue pods gone',
    );
  });

  it('rolls a Deployment with set image, rollout status and rollout undo', async () => {
    expect(
      (
        await kubectl(target, [
          'set',
          'image',
          'deployment/my-app-blue',
          'app=my-app:1.2.0',
        ])
      ).stdout,
    ).toBe('deployment.apps/my-app-blue image updated\n');
    const st = await kubectl(target, [
      'rollout',
      'status',
      'deployment/my-app-blue',
      '--timeout=30s',
    ]);
    expect(st.stdout).toContain(
      'deployment "my-app-blue" successfully rolled out',
    );
    expect(
      (
        await kubectl(target, [
          'get',
          'deployment',
          'my-app-blue',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image} {.status.readyReplicas} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
        ])
      ).stdout,
    ).toBe('my-app:1.2.0 3 2');
    const history = await kubectl(target, [
      'rollout',
      'history',
      'deployment/my-app-blue',
    ]);
    expect(history.stdout).toMatch(
      /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
    );
    expect(
      (await kubectl(target, ['rollout', 'undo', 'deployment/my-app-blue']))
        .stdout,
    ).toBe('deployment.apps/my-app-blue rolled back\n');
    await kubectl(target, [
      'rollout',
      'status',
      'deployment/my-app-blue',
      '--timeout=30s',
    ]);
    expect(
      (
        await kubectl(target, [
          'get',
          'deployment',
          'my-app-blue',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image} {.status.updatedReplicas} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
        ])
      ).stdout,
    ).toBe('my-app:1.0.0 3 3');
  });

  it('injects faults with kubectl annotate and kubectl set image', async () => {
    expect(
      (
        await kubectl(target, [
          'annotate',
          'deployment',
          'my-app-green',
          'sandbox.bluegreen.dev/error-rate=1',
        ])
      ).stdout,
    ).toBe('deployment.apps/my-app-green annotated\n');
    const codes = new Set<number>();
    for (let i = 0; i < 6; i++)
      codes.add((await target.get('default', 'my-app')).status);
    expect([...codes]).toEqual([500]);
    await kubectl(target, [
      'annotate',
      'deployment',
      'my-app-green',
      'sandbox.bluegreen.dev/error-rate-',
    ]);
    expect((await target.get('default', 'my-app')).status).toBe(200);

    await kubectl(target, [
      'set',
      'image',
      'deployment/my-app-blue',
      'app=my-app:does-not-exist',
    ]);
    await waitFor(
      async () =>
        (
          await kubectl(target, ['get', 'pods', '-l', 'color=blue'])
        ).stdout.includes('ImagePullBackOff'),
      20000,
      'ImagePullBackOff',
    );
    const desc = await kubectl(target, [
      'describe',
      'pods',
      '-l',
      'color=blue',
    ]);
    expect(desc.stdout).toContain(
      'Failed to pull image "my-app:does-not-exist"',
    );
    // The old ReplicaSet keeps serving while the new one cannot pull.
    expect(
      (
        await kubectl(target, [
          'get',
          'deployment',
          'my-app-blue',
          '-o',
          'jsonpath={.status.availableReplicas}',
        ])
      ).stdout,
    ).toBe('3');
    await kubectl(target, ['rollout', 'undo', 'deployment/my-app-blue']);
  });

  it('serves seed 002 stable-env.yaml: ConfigMap html through nginx', async () => {
    const out = await kubectl(target, [
      'apply',
      '-f',
      f('seed-002/stable-env.yaml'),
    ]);
    expect(out.stdout).toBe(
      'configmap/stable-html created\ndeployment.apps/nginx-deployment created\nservice/nginx-service created\n',
    );
    await kubectl(target, [
      'rollout',
      'status',
      'deployment/nginx-deployment',
      '--timeout=30s',
    ]);
    expect(await versions(target, 'nginx-service', 4)).toEqual([
      '<h1>Hello from Stable v1.14</h1>',
    ]);
    const again = await kubectl(target, [
      'apply',
      '-f',
      f('seed-002/stable-env.yaml'),
    ]);
    expect(again.stdout).toBe(
      'configmap/stable-html unchanged\ndeployment.apps/nginx-deployment unchanged\nservice/nginx-service unchanged\n',
    );
  });
}
