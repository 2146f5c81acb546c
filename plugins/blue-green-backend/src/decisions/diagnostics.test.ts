import { snapshot } from '../__testUtils__/snapshots';
import { diagnose, templateDiff } from './diagnostics';

const template = (image: string, env: string) => ({
  spec: {
    terminationGracePeriodSeconds: 30,
    containers: [
      {
        name: 'app',
        image,
        env: [{ name: 'MODE', value: env }],
        resources: { limits: { memory: '256Mi' } },
      },
    ],
  },
});

describe('templateDiff', () => {
  it('lists only the fields the colors differ in', () => {
    expect(
      templateDiff({
        blue: template('my-app:1', 'a'),
        green: template('my-app:2', 'a'),
      }),
    ).toEqual([
      { field: 'containers[app].image', blue: 'my-app:1', green: 'my-app:2' },
    ]);
  });
});

describe('templateDiff hides what may be secret', () => {
  const container = (env: object[], extra: object = {}) => ({
    spec: { containers: [{ name: 'app', image: 'my-app:1', env, ...extra }] },
  });

  it('says which variable changed, never its value', () => {
    const diff = templateDiff({
      blue: container([
        { name: 'DB_PASSWORD', value: 'hunter2' },
        { name: 'SAME', value: 'x' },
      ]),
      green: container([
        { name: 'DB_PASSWORD', value: 'correct-horse' },
        { name: 'SAME', value: 'x' },
        { name: 'NEW_TOKEN', value: 's3cr3t' },
      ]),
    });
    expect(diff).toEqual([
      {
        field: 'containers[app].env.DB_PASSWORD',
        blue: '(value hidden)',
        green: '(value hidden)',
      },
      {
        field: 'containers[app].env.NEW_TOKEN',
        blue: undefined,
        green: '(value hidden)',
      },
    ]);
    expect(JSON.stringify(diff)).not.toMatch(/hunter2|correct-horse|s3cr3t/);
  });

  it('names secret and config map references, not their contents', () => {
    const diff = templateDiff({
      blue: container(
        [
          {
            name: 'DB',
            valueFrom: { secretKeyRef: { name: 'db-v1', key: 'url' } },
          },
        ],
        { envFrom: [{ configMapRef: { name: 'settings-v1' } }] },
      ),
      green: container(
        [
          {
            name: 'DB',
            valueFrom: { secretKeyRef: { name: 'db-v2', key: 'url' } },
          },
        ],
        { envFrom: [{ secretRef: { name: 'settings-v2' } }] },
      ),
    });
    expect(diff).toEqual([
      {
        field: 'containers[app].env.DB',
        blue: 'from secret db-v1, key url',
        green: 'from secret db-v2, key url',
      },
      {
        field: 'containers[app].envFrom[0]',
        blue: 'config map settings-v1',
        green: 'secret settings-v2',
      },
    ]);
  });

  it('hides the header values of probes', () => {
    const probe = (token: string) => ({
      readinessProbe: {
        httpGet: {
          path: '/health',
          httpHeaders: [{ name: 'Authorization', value: `Bearer ${token}` }],
        },
      },
    });
    const diff = templateDiff({
      blue: container([], probe('old-token')),
      green: container([], probe('new-token')),
    });
    expect(diff.map(d => d.field)).toEqual(['containers[app].readinessProbe']);
    expect(JSON.stringify(diff)).not.toContain('token');
  });
});

describe('diagnose', () => {
  it("explains a pod that is not Ready and keeps the color's own events, newest first", () => {
    const pod = {
      metadata: { name: 'my-app-green-0' },
      status: {
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' },
            },
          },
        ],
      },
    };
    const event = (name: string, reason: string, at: string) => ({
      metadata: { name: `${name}.1` },
      involvedObject: { kind: 'Pod', name },
      type: 'Warning',
      reason,
      message: reason,
      lastTimestamp: at,
    });
    const result = diagnose(
      snapshot({ raw: { templates: {}, pods: { blue: [], green: [pod] } } }),
      [
        event('my-app-green-0', 'BackOff', '2026-01-01T00:00:01Z'),
        event('my-app-green-0', 'Pulled', '2026-01-01T00:00:02Z'),
        event('someone-else', 'Killing', '2026-01-01T00:00:03Z'),
      ],
    );
    expect(result.colors.green.notReady).toEqual([
      {
        pod: 'my-app-green-0',
        reason: 'CrashLoopBackOff',
        message: 'back-off 10s',
      },
    ]);
    expect(result.colors.green.events.map(e => e.reason)).toEqual([
      'Pulled',
      'BackOff',
    ]);
    expect(result.colors.blue.events).toEqual([]);
  });
});
