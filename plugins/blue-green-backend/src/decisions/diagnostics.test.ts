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
