import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { deciding, snapshot } from '../__testUtils__/snapshots';
import { decideDeploy } from './deployDecision';

const canDeploy = deciding({ deploy: async () => undefined });

describe('decideDeploy', () => {
  it('deploys to the idle color only', () => {
    expect(decideDeploy({ snapshot: snapshot(), strategy: canDeploy })).toEqual(
      { allowed: true, target: 'green', reasons: [], forceable: false },
    );
    expect(
      decideDeploy({
        snapshot: snapshot({ live: 'green' }),
        strategy: canDeploy,
      })?.target,
    ).toBe('blue');
  });

  it('is absent for a strategy that cannot deploy', () => {
    expect(
      decideDeploy({ snapshot: snapshot(), strategy: deciding() }),
    ).toBeUndefined();
  });

  it('refuses, unforceably, while traffic is split, nothing is live or a switch runs', () => {
    const split = decideDeploy({
      snapshot: snapshot({ live: 'split' }),
      strategy: canDeploy,
    })!;
    expect(split).toMatchObject({ allowed: false, forceable: false });
    expect(split.target).toBeUndefined();
    expect(split.reasons[0]).toContain('traffic is split');

    const none = decideDeploy({
      snapshot: snapshot({ live: 'none', problems: ['Service gone'] }),
      strategy: canDeploy,
    })!;
    expect(none.reasons).toEqual(['Service gone']);

    const running: HistoryEntry = {
      id: 'h',
      entityRef: 'component:default/my-app',
      action: 'promote',
      actor: 'user:default/alice',
      forced: false,
      outcome: 'in-progress',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    expect(
      decideDeploy({
        snapshot: snapshot(),
        strategy: canDeploy,
        inProgress: running,
      }),
    ).toMatchObject({
      allowed: false,
      forceable: false,
      target: 'green',
      reasons: [
        'a promote by user:default/alice is in progress since 2026-01-01 00:00:00 UTC',
      ],
    });
  });

  it("asks for force to replace the way back of a running watch, and adds the strategy's refusals", () => {
    const watch = {
      state: 'running' as const,
      promotedTo: 'blue' as const,
      previous: 'green' as const,
      endsAt: '2026-01-01T00:05:00.000Z',
    };
    expect(
      decideDeploy({ snapshot: snapshot(), strategy: canDeploy, watch }),
    ).toMatchObject({
      allowed: false,
      forceable: true,
      reasons: [
        expect.stringContaining(
          'green is the way back while the post-promote watch of blue runs (until 2026-01-01 00:05:00 UTC)',
        ),
      ],
    });
    // A watch that ended, or watches another color, is no reason.
    expect(
      decideDeploy({
        snapshot: snapshot(),
        strategy: canDeploy,
        watch: { ...watch, state: 'passed' },
      })?.allowed,
    ).toBe(true);

    const refusing = deciding({
      deploy: async () => undefined,
      deployRefusals: (_s, color) => [`${color} is being promoted`],
    });
    expect(
      decideDeploy({ snapshot: snapshot(), strategy: refusing, watch }),
    ).toMatchObject({
      allowed: false,
      forceable: false,
      reasons: ['green is being promoted', expect.stringContaining('way back')],
    });
  });
});
