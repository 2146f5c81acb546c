import { color, snapshot } from '../../__testUtils__/snapshots';
import { DEFAULT_CRITERIA } from '../criteriaSettings';
import { DEFAULT_THRESHOLDS } from '../thresholds';
import { buildChecklist, ChecklistSettings, phaseColors } from './checklist';
import { ChecklistEvidence } from './evidence';

const settings: ChecklistSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  slo: {
    availability: 0.999,
    latency: 0.95,
    latencyThresholdMs: 200,
    windowDays: 30,
  },
  healthPath: '/health',
  skipped: new Set(),
  items: {},
  criteria: DEFAULT_CRITERIA,
  custom: [],
};

const reading = (values: { blue?: number; green?: number }) => ({
  query: 'q',
  values,
});

const evidence = (
  overrides: Partial<ChecklistEvidence> = {},
): ChecklistEvidence => ({
  readings: {
    cpuRatio: reading({ blue: 0.2, green: 0.1 }),
    memoryRatio: reading({ blue: 0.3, green: 0.2 }),
    requestRate: reading({ blue: 10, green: 1 }),
  },
  prometheusConfigured: true,
  health: {
    green: { ok: true, detail: 'GET /health: 200' },
    blue: { ok: true, detail: 'GET /health: 200' },
  },
  strategyItems: {},
  slo: {
    window: {
      errorRatio: reading({ blue: 0.0001 }),
      latencyUnder: reading({ blue: 0.99 }),
    },
    hour: {
      errorRatio: reading({ blue: 0 }),
      latencyUnder: reading({ blue: 1 }),
    },
  },
  signOffs: new Map(),
  ...overrides,
});

const NOW = new Date('2026-01-01T00:00:00.000Z');
const item = (c: { items: Array<{ id: string }> }, id: string) =>
  c.items.find(i => i.id === id) as any;

describe('phaseColors', () => {
  it('checks the idle color before a promote and the live one after', () => {
    expect(phaseColors(snapshot(), 'pre')).toEqual({
      color: 'green',
      live: 'blue',
    });
    expect(phaseColors(snapshot(), 'post')).toEqual({
      color: 'blue',
      live: 'blue',
    });
  });
});

describe('buildChecklist', () => {
  it('builds the pre-deploy checklist of the idle color; manual items hold it back', () => {
    const checklist = buildChecklist({
      phase: 'pre',
      snapshot: snapshot(),
      settings,
      evidence: evidence(),
      now: NOW,
    });
    expect(checklist).toMatchObject({
      phase: 'pre',
      color: 'green',
      version: 'v2',
      status: 'pending',
      evaluatedAt: '2026-01-01T00:00:00.000Z',
      warnings: [],
    });
    expect(item(checklist, 'pods-ready').status).toBe('pass');
    expect(item(checklist, 'health-endpoint').status).toBe('pass');
    expect(item(checklist, 'cpu')).toMatchObject({
      status: 'pass',
      observed: '10.00 % of limits',
    });
    expect(item(checklist, 'error-budget').status).toBe('pass');
    expect(item(checklist, 'smoke-test')).toMatchObject({
      kind: 'manual',
      status: 'pending',
    });
    // With no dependency named, a person signs that off too.
    expect(item(checklist, 'dependencies').kind).toBe('manual');
  });

  it('passes once every required manual item is signed off', () => {
    const signed = new Map(
      [
        'smoke-test',
        'critical-endpoints',
        'db-migration',
        'schema-compatible',
        'rollback-owner',
        'dependencies',
      ].map(id => [id, { by: 'user:default/alice', at: NOW.toISOString() }]),
    );
    const checklist = buildChecklist({
      phase: 'pre',
      snapshot: snapshot(),
      settings,
      evidence: evidence({ signOffs: new Map([['green', signed]]) }),
      now: NOW,
    });
    expect(checklist.status).toBe('pass');
    expect(item(checklist, 'smoke-test').signOff.by).toBe('user:default/alice');
  });

  it('fails on a color that is not ready, and says when metrics cannot be had', () => {
    const checklist = buildChecklist({
      phase: 'pre',
      snapshot: snapshot({
        colors: {
          blue: color('blue', { role: 'live' }),
          green: color('green', { ready: 0 }),
        },
      }),
      settings,
      evidence: evidence({
        readings: {},
        prometheusConfigured: false,
        slo: undefined,
      }),
      now: NOW,
    });
    expect(checklist.status).toBe('fail');
    expect(checklist.warnings[0]).toMatch(/^no Prometheus is configured/);
    expect(item(checklist, 'cpu').status).toBe('unknown');
    expect(item(checklist, 'metrics-available').status).toBe('unknown');
  });

  it('leaves out skipped items and applies per-item overrides', () => {
    const checklist = buildChecklist({
      phase: 'pre',
      snapshot: snapshot(),
      settings: {
        ...settings,
        skipped: new Set(['backfill']),
        items: {
          'alert-channels': { required: true },
          draining: { enabled: false },
        },
      },
      evidence: evidence(),
      now: NOW,
    });
    expect(item(checklist, 'backfill')).toBeUndefined();
    expect(item(checklist, 'draining')).toBeUndefined();
    expect(item(checklist, 'alert-channels').required).toBe(true);
  });

  it('keeps the required items skip-checks names: the annotation cannot widen what the owner may do', () => {
    const checklist = buildChecklist({
      phase: 'pre',
      snapshot: snapshot(),
      settings: {
        ...settings,
        skipped: new Set(['smoke-test', 'rollback-owner', 'backfill']),
        // The platform relaxed one required item: that one may be skipped.
        items: { 'rollback-owner': { required: false } },
      },
      evidence: evidence(),
      now: NOW,
    });
    expect(item(checklist, 'smoke-test')).toMatchObject({
      required: true,
      status: 'pending',
    });
    expect(item(checklist, 'rollback-owner')).toBeUndefined();
    expect(item(checklist, 'backfill')).toBeUndefined();
    expect(checklist.warnings).toContain(
      'blue-green.backstage.io/skip-checks leaves out optional items only; these are required and stay: smoke-test (the platform can relax one with blueGreen.checks.items.<id>.required)',
    );
  });

  it("builds the post-deploy checks of the live color against the previous color's baseline", () => {
    const checklist = buildChecklist({
      phase: 'post',
      snapshot: snapshot({ live: 'green' }),
      settings,
      evidence: evidence({
        readings: {
          errorRatio: reading({ green: 0.05 }),
          clientErrorRatio: reading({ green: 0.01 }),
          p99: reading({ green: 0.1 }),
          requestRate: reading({ green: 10 }),
          restarts: reading({ green: 0 }),
          oomKills: reading({ green: 0 }),
        },
        baseline: {
          clientErrorRatio: reading({ blue: 0.01 }),
          p99: reading({ blue: 0.1 }),
          requestRate: reading({ blue: 10 }),
        },
        strategyItems: {
          green: [
            {
              id: 'analysis-run-1',
              category: 'analysis',
              title: 'analysis',
              kind: 'auto',
              required: true,
              status: 'pass',
            },
          ],
        },
      }),
      now: NOW,
    });
    expect(checklist.color).toBe('green');
    expect(item(checklist, 'error-rate')).toMatchObject({
      status: 'fail',
      observed: '5.00 %',
    });
    expect(item(checklist, 'latency-p99').status).toBe('pass');
    expect(item(checklist, 'analysis-run-1').status).toBe('pass');
    expect(item(checklist, 'contract')).toMatchObject({ kind: 'manual' });
    expect(checklist.status).toBe('fail');
  });

  it('adds a custom business-metric check to the phases it names: fail below min, unknown without data', () => {
    const payment = {
      id: 'payment-success',
      title: 'Payment success rate',
      query: 'q',
      min: 0.98,
      phases: ['pre' as const, 'rollback' as const],
      window: '5m',
      required: true,
      action: 'rollback' as const,
      forMs: 60_000,
      allEntities: false,
    };
    const build = (phase: 'pre' | 'post', values: { green?: number }) =>
      buildChecklist({
        phase,
        snapshot: snapshot(),
        settings: { ...settings, custom: [payment] },
        evidence: evidence({
          custom: { 'payment-success': reading(values) },
        }),
        now: NOW,
      });
    expect(
      item(build('pre', { green: 0.95 }), 'payment-success'),
    ).toMatchObject({
      status: 'fail',
      observed: '0.95',
      threshold: '>= 0.98',
      required: true,
      evidence: { type: 'promql', query: 'q' },
    });
    expect(item(build('pre', { green: 0.99 }), 'payment-success').status).toBe(
      'pass',
    );
    expect(item(build('pre', {}), 'payment-success')).toMatchObject({
      status: 'unknown',
      message: 'Prometheus has no data for green',
    });
    expect(item(build('post', { green: 0.5 }), 'payment-success')).toBe(
      undefined,
    );
    expect(build('pre', { green: 0.95 }).status).not.toBe('pass');
  });
});
