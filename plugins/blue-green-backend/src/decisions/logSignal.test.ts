import { ConfigReader } from '@backstage/config';
import { readBlueGreenConfig } from '../config';
import { thresholdsOf } from './checkSettings';
import { evaluateCriteria } from './criteria';
import {
  countPodLog,
  judgeLogSignal,
  LogCount,
  logCriterion,
  logItem,
  logPattern,
  sumCounts,
} from './logSignal';
import { DEFAULT_LOG_PATTERNS } from './logSignalSettings';
import { DEFAULT_THRESHOLDS } from './thresholds';

const pattern = logPattern([...DEFAULT_LOG_PATTERNS]);
const NOW = new Date('2025-03-01T12:00:00Z');
const at = (secondsAgo: number) =>
  new Date(NOW.getTime() - secondsAgo * 1000)
    .toISOString()
    .replace('Z', '123456Z');
const BOUNDS = { tailLines: 1000, limitBytes: 1024 * 1024 };
const LAST_2_MIN = { from: new Date(NOW.getTime() - 120_000), to: NOW };

describe('countPodLog', () => {
  it('counts the lines any default pattern matches, and nothing else', () => {
    const lines = [
      'ERROR payment failed for order 17',
      'CRITICAL disk full',
      'FATAL cannot start',
      '{"level":"error","msg":"upstream failed"}',
      '    at Object.handle (/app/server.js:42:13)',
      'Traceback (most recent call last):',
      'dial tcp 10.0.0.7:5432: connect: connection refused',
      'request to inventory timed out after 5s',
      'Error: ETIMEDOUT',
      'INFO "GET / HTTP/1.1" 200 17',
      'terrorism is not an error level: neither is ERRORS',
      '{"level":"info","msg":"errors=0"}',
    ];
    const text = lines.map((l, i) => `${at(100 - i)} ${l}\n`).join('');
    const count = countPodLog(text, pattern, LAST_2_MIN, BOUNDS);
    expect(count.lines).toBe(9);
    expect(count.podMinutes).toBeCloseTo(2);
    expect(count.samples).toEqual([
      'ERROR payment failed for order 17',
      'CRITICAL disk full',
      'FATAL cannot start',
    ]);
  });

  it('leaves out lines outside the span (a baseline before the switch)', () => {
    const text = [
      `${at(300)} ERROR before the span`,
      `${at(90)} ERROR in the span`,
      `${at(10)} ERROR after the span`,
      '',
    ].join('\n');
    const count = countPodLog(
      text,
      pattern,
      {
        from: new Date(NOW.getTime() - 120_000),
        to: new Date(NOW.getTime() - 60_000),
      },
      BOUNDS,
    );
    expect(count.lines).toBe(1);
    expect(count.podMinutes).toBeCloseTo(1);
  });

  it('covers only from the first line when tailLines cut older ones off', () => {
    const text = [
      `${at(30)} ERROR a`,
      `${at(20)} ERROR b`,
      `${at(10)} INFO c`,
      '',
    ].join('\n');
    const count = countPodLog(text, pattern, LAST_2_MIN, {
      tailLines: 3,
      limitBytes: 1024 * 1024,
    });
    expect(count.lines).toBe(2);
    // 30 s, not the 2 minutes asked for: 4 lines/min, not 1.
    expect(count.podMinutes).toBeCloseTo(0.5);
  });

  it('covers only up to the last whole line when limitBytes cut newer ones off', () => {
    const whole = `${at(100)} ERROR a\n${at(40)} ERROR b\n`;
    const text = `${whole}${at(5)} ERROR cut sho`;
    const count = countPodLog(text, pattern, LAST_2_MIN, {
      tailLines: 1000,
      limitBytes: Buffer.byteLength(text),
    });
    expect(count.lines).toBe(2);
    expect(count.podMinutes).toBeCloseTo(80 / 60);
  });
});

const count = (lines: number, podMinutes = 6, pods = 3): LogCount => ({
  lines,
  podMinutes,
  pods,
  samples: lines > 0 ? ['ERROR boom'] : [],
  source: 'kubectl logs -n default my-app-green-1 --since=120s',
});

describe('judgeLogSignal', () => {
  const judge = (current: LogCount, baseline?: LogCount) =>
    judgeLogSignal(
      { color: 'green', previous: 'blue', current, baseline },
      DEFAULT_THRESHOLDS,
    );

  it('passes at or under the threshold (10 lines/min per pod by default)', () => {
    expect(judge(count(60), count(0))).toMatchObject({
      status: 'pass',
      observed: '10.00/min per pod (60 lines in 3 pods)',
    });
  });

  it('fails above the threshold and 3× the previous color', () => {
    const judged = judge(count(120), count(12));
    expect(judged).toMatchObject({
      status: 'fail',
      observed: '20.00/min per pod (120 lines in 3 pods)',
      threshold: "> 10.00/min per pod and > 3× blue's 2.00/min per pod",
    });
    expect(judged.detail).toContain('green: kubectl logs');
    expect(judged.detail).toContain('e.g. ERROR boom');
  });

  it('fails above the threshold when the previous color has no pods to compare with', () => {
    expect(judge(count(120))).toMatchObject({
      status: 'fail',
      threshold: '> 10.00/min per pod (no baseline from blue)',
    });
  });

  it('warns only when the previous version logged nearly as much', () => {
    expect(judge(count(120), count(60)).status).toBe('warn');
  });

  it('is unknown, with the reason, when the logs could not be read', () => {
    const judged = judge({
      ...count(0),
      error:
        'could not read the logs of my-app-green-1: pods "my-app-green-1" is forbidden: cannot get resource "pods/log"',
    });
    expect(judged.status).toBe('unknown');
    expect(judged.message).toContain('pods/log');
  });

  it('is unknown until 30 s of logs per pod are there', () => {
    const judged = judge(count(50, 0.25, 3));
    expect(judged.status).toBe('unknown');
    expect(judged.message).toBe(
      'only 5 s of logs per pod so far; at least 30 s are needed',
    );
    expect(judge(count(0, 0, 0)).message).toBe('no pods to read');
  });

  it('follows the thresholds of the entity', () => {
    const thresholds = thresholdsOf(
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'my-app',
          annotations: {
            'blue-green.backstage.io/thresholds':
              'logErrorsPerMinute=50,logErrorFactor=10',
          },
        },
      },
      DEFAULT_THRESHOLDS,
    );
    expect(
      judgeLogSignal(
        { color: 'green', previous: 'blue', current: count(120) },
        thresholds,
      ).status,
    ).toBe('pass');
  });
});

describe('the log signal as an item and a criterion', () => {
  const evidence = (lines: number, error?: string) => ({
    color: 'green' as const,
    previous: 'blue' as const,
    current: { ...count(lines), ...(error && { error }) },
  });

  it('is a required post-deploy item with the logs as evidence', () => {
    expect(logItem(evidence(300), DEFAULT_THRESHOLDS)).toMatchObject({
      id: 'log-errors',
      category: 'monitoring',
      required: true,
      status: 'fail',
      evidence: { type: 'logs' },
    });
  });

  it('fires as a rollback criterion once it failed for its `for`, and never without logs', () => {
    const input = {
      color: 'green' as const,
      previous: 'blue' as const,
      readings: {},
      baseline: {},
      health: { ok: true, detail: 'ok' },
      thresholds: DEFAULT_THRESHOLDS,
      settings: {
        'log-errors': {
          action: 'rollback' as const,
          window: '',
          forMs: 30_000,
        },
      },
    };
    const first = evaluateCriteria({
      ...input,
      failingSince: {},
      now: NOW,
      extra: [logCriterion(evidence(300), DEFAULT_THRESHOLDS)],
    });
    expect(first.criteria).toEqual([
      expect.objectContaining({
        id: 'log-errors',
        status: 'fail',
        firing: false,
        action: 'rollback',
        threshold: '> 10.00/min per pod (no baseline from blue) for 30 s',
      }),
    ]);
    const later = new Date(NOW.getTime() + 30_000);
    const second = evaluateCriteria({
      ...input,
      failingSince: first.failingSince,
      now: later,
      extra: [logCriterion(evidence(300), DEFAULT_THRESHOLDS)],
    });
    expect(second.criteria[0].firing).toBe(true);

    const denied = evaluateCriteria({
      ...input,
      failingSince: first.failingSince,
      now: later,
      extra: [
        logCriterion(
          evidence(0, 'could not read the logs of my-app-green-1: forbidden'),
          DEFAULT_THRESHOLDS,
        ),
      ],
    });
    expect(denied.criteria[0]).toMatchObject({
      status: 'unknown',
      firing: false,
      observed: 'could not read the logs of my-app-green-1: forbidden',
    });
    expect(denied.failingSince).toEqual({});
  });

  it('sums the pods read into one count of the color', () => {
    expect(
      sumCounts(
        [
          { lines: 3, podMinutes: 2, samples: ['a', 'b'] },
          { lines: 1, podMinutes: 1.5, samples: ['c', 'd'] },
        ],
        'source',
      ),
    ).toEqual({
      lines: 4,
      podMinutes: 3.5,
      pods: 2,
      samples: ['a', 'b', 'c'],
      source: 'source',
    });
  });
});

describe('log signal config', () => {
  const read = (logs: object, extra: object = {}) =>
    readBlueGreenConfig(new ConfigReader({ blueGreen: { logs, ...extra } }));

  it('is on by default, an investigate criterion after 1 min, with bounded reads', () => {
    const config = read({});
    expect(config.logs).toMatchObject({
      enabled: true,
      windowMs: 120_000,
      maxPods: 3,
      tailLines: 2000,
      limitBytes: 524_288,
    });
    expect(config.logs.loki).toBeUndefined();
    expect(config.watch.criteria['log-errors']).toEqual({
      action: 'investigate',
      window: '',
      forMs: 60_000,
    });
  });

  it('can be a rollback criterion, or off with its criterion', () => {
    expect(
      read(
        {},
        {
          watch: {
            criteria: { 'log-errors': { action: 'rollback', for: '0s' } },
          },
        },
      ).watch.criteria['log-errors'],
    ).toMatchObject({ action: 'rollback', forMs: 0 });
    expect(
      read({ enabled: false }).watch.criteria['log-errors'],
    ).toBeUndefined();
  });

  it('refuses a pattern that is not a regular expression, naming the key', () => {
    expect(() => read({ patterns: ['ERROR', '(unclosed'] })).toThrow(
      /^blueGreen\.logs\.patterns has "\(unclosed", which is not a regular expression/,
    );
    expect(() => read({ patterns: [] })).toThrow('blueGreen.logs.patterns');
  });

  it('checks the Loki query template at start-up: placeholders and LogQL', () => {
    const config = read({ loki: { baseUrl: 'http://loki:3100' } });
    expect(config.logs.loki?.query).toContain('count_over_time');
    expect(() =>
      read({
        loki: {
          baseUrl: 'http://loki:3100',
          query: 'sum(count_over_time({app="{{app}}"}[{{window}}]))',
        },
      }),
    ).toThrow('blueGreen.logs.loki.query: unknown placeholder {{app}}');
    expect(() =>
      read({
        loki: {
          baseUrl: 'http://loki:3100',
          query:
            'sum(count_over_time({namespace="{{namespace}}" |~ "x" [{{window}}]))',
        },
      }),
    ).toThrow(/^blueGreen\.logs\.loki\.query is not valid LogQL: parse error/);
    expect(() => read({ loki: { baseUrl: 'loki:3100' } })).toThrow(
      'blueGreen.logs.loki.baseUrl is "loki:3100"; it must be an http(s) URL',
    );
  });
});
