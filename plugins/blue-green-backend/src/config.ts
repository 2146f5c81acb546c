import { Config, readDurationFromConfig } from '@backstage/config';
import { NamespacePolicy } from '@bluegreen-backstage/plugin-blue-green-node';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import { METRICS, DEFAULT_QUERIES, QueryTemplates } from './prometheus/queries';
import { validateTemplate } from './prometheus/promql';
import {
  DEFAULT_THRESHOLDS,
  isWholeDays,
  SloConfig,
  Thresholds,
} from './decisions/thresholds';
import {
  BUILT_IN_CRITERIA,
  CriteriaSettings,
  CriterionAction,
  DEFAULT_CRITERIA,
} from './decisions/criteriaSettings';
import {
  CUSTOM_PHASES,
  CustomCheck,
  CustomPhase,
} from './decisions/customCheckSettings';
import {
  DEFAULT_LOG_PATTERNS,
  DEFAULT_LOKI_QUERY,
  LOG_SIGNAL_ID,
  LogSignalSettings,
} from './decisions/logSignalSettings';
import { validateLogqlTemplate } from './loki/logql';

/** The `blueGreen` section of app-config, read and checked once at start-up. */
export type BlueGreenConfig = {
  switch: {
    /** How long to wait for the cluster to show a switch took effect. */
    verifyTimeoutMs: number;
    /** Default pause between the steps of a stepped shift. */
    stepIntervalMs: number;
    /** An operation still in progress after this long belongs to a backend that stopped. */
    interruptedAfterMs: number;
    /** How often a backend looks for such operations. */
    sweepIntervalMs: number;
  };
  /** Scale the previous color down after a promote (an entity annotation overrides the delay). */
  scaleDown: { enabled: boolean; delayMs: number; replicas: number };
  /** The generated PrometheusRule's alerts. */
  alerts: {
    /** Each alert's runbook_url, with {{namespace}}, {{kind}} and {{name}} of the entity. */
    runbookUrl: string;
  };
  fleet: {
    /** How long a cluster's lists are reused. */
    cacheTtlMs: number;
    /** How long the fleet waits for a cluster before marking it unavailable. */
    clusterTimeoutMs: number;
    /** Whether the fleet keeps the lists of clusters read with the plugin's credentials by watches. */
    watch: boolean;
  };
  prometheus?: {
    url: string;
    /** Per-cluster Prometheus, by the cluster's name in `kubernetes.clusterLocatorMethods`. */
    clusters: Record<string, string>;
    headers: Record<string, string>;
    timeoutMs: number;
  };
  /** PromQL template of each metric. */
  queries: QueryTemplates;
  checks: {
    /** Range of rate() in checklist queries, as a PromQL duration. */
    window: string;
    thresholds: Thresholds;
    /** Whether promote requires the pre-deploy checklist's required items to pass. */
    requiredForPromote: boolean;
    /** Per-item overrides, by item id. */
    items: Record<string, { required?: boolean; enabled?: boolean }>;
    /** How long a checklist evaluation is reused (status polls, promote right after a look). */
    cacheTtlMs: number;
    /**
     * Hosts the dependency probe may contact (`db.internal`, `*.svc.cluster.local`, with an
     * optional `:port`). The annotation is written by entity authors: without this list the
     * backend would connect anywhere they name, inside the network it runs in.
     */
    dependencyHosts: string[];
    /** Extra PromQL checks (`checks.custom.<id>`), by id. */
    custom: Record<string, CustomCheck>;
  };
  watch: {
    enabled: boolean;
    /** How long a watch runs after a promote. */
    durationMs: number;
    evaluationIntervalMs: number;
    /** Each rollback criterion's action, range and how long it must fail (`watch.criteria.<id>`). */
    criteria: CriteriaSettings;
    /** Default for entities without the auto-rollback annotation. */
    autoRollback: boolean;
  };
  slo: SloConfig;
  /** The log signal: error lines of the new color, a post-deploy item and a rollback criterion. */
  logs: LogSignalSettings;
  grafana?: { url: string; token?: string; dashboardUid?: string };
  /** Which namespaces each owner may use (`blueGreen.namespaces`). */
  namespaces: NamespacePolicy;
};

/** Keys read before durations were durations, and what replaces them. */
const RENAMED: Record<string, string> = {
  'switch.verifyTimeoutSeconds': 'switch.verifyTimeout',
  'switch.stepIntervalSeconds': 'switch.stepInterval',
  'switch.interruptedAfterSeconds': 'switch.interruptedAfter',
  'switch.sweepIntervalSeconds': 'switch.sweepInterval',
  'scaleDown.delaySeconds': 'scaleDown.delay',
  'fleet.cacheSeconds': 'fleet.cacheTtl',
  'fleet.clusterTimeoutSeconds': 'fleet.clusterTimeout',
  'prometheus.timeoutMs': 'prometheus.timeout',
  'kubernetes.requestTimeoutMs': 'kubernetes.requestTimeout',
  'checks.cacheSeconds': 'checks.cacheTtl',
  'watch.windowSeconds': 'watch.duration',
  'watch.evaluationIntervalSeconds': 'watch.evaluationInterval',
  'slo.windowDays': 'slo.window',
  'slo.latencyThresholdMs': 'slo.latencyThreshold',
  'watch.sustainEvaluations': 'watch.criteria.<criterion>.for',
};

/** A reader of one `blueGreen.*` value that names the key when it is wrong. */
function reader(root: Config) {
  const key = (k: string) => `blueGreen.${k}`;
  const fail = (k: string, why: string): never => {
    throw new Error(`${key(k)} ${why}`);
  };

  /** A duration (`30s`, `5m`, `{ minutes: 5 }`, `PT5M`) in milliseconds, within a range. */
  const duration = (
    k: string,
    fallback: HumanDuration,
    range: [HumanDuration, HumanDuration] = [{}, { days: 366 }],
  ): number => {
    const ms = root.has(key(k))
      ? durationToMilliseconds(readDurationFromConfig(root, { key: key(k) }))
      : durationToMilliseconds(fallback);
    const [min, max] = range.map(durationToMilliseconds);
    if (!Number.isFinite(ms) || ms < min || ms > max) {
      fail(k, `is ${ms} ms; it must be from ${min} to ${max} ms`);
    }
    return ms;
  };

  /** A duration that enters PromQL as a range: a whole number of ms, written in its largest unit. */
  const promDuration = (k: string, fallback: HumanDuration): string => {
    const ms = duration(k, fallback, [{ milliseconds: 1 }, { days: 366 }]);
    return promqlDuration(ms) ?? fail(k, 'must be a whole number of ms');
  };

  const number = (
    k: string,
    fallback: number,
    range: [number, number] = [0, Number.MAX_SAFE_INTEGER],
  ): number => {
    const value = root.getOptionalNumber(key(k)) ?? fallback;
    if (!Number.isFinite(value) || value < range[0] || value > range[1]) {
      fail(
        k,
        `is ${value}; it must be a number from ${range[0]} to ${range[1]}`,
      );
    }
    return value;
  };

  const boolean = (k: string, fallback: boolean) =>
    root.getOptionalBoolean(key(k)) ?? fallback;

  const strings = (k: string): Record<string, string> => {
    const section = root.getOptionalConfig(key(k));
    return Object.fromEntries(
      (section?.keys() ?? []).map(name => [name, section!.getString(name)]),
    );
  };

  /** An optional string that must match `pattern` (what it must be, for the message). */
  const optionalString = (
    k: string,
    pattern: { test: RegExp; what: string },
  ): string | undefined => {
    const value = root.getOptionalString(key(k));
    if (value !== undefined && !pattern.test.test(value)) {
      fail(k, `is "${value}"; it must be ${pattern.what}`);
    }
    return value;
  };

  return {
    duration,
    promDuration,
    number,
    boolean,
    strings,
    optionalString,
    fail,
  };
}

/** The entity's Blue/Green tab: where its owners see the alert's evidence and roll back. */
const RUNBOOK_PATH = '/catalog/{{namespace}}/{{kind}}/{{name}}/blue-green';

/** A histogram bucket's `le` label value. */
const LE_VALUE = {
  test: /^(\d{1,9}(\.\d{1,9})?([eE][+-]?\d{1,3})?|\+Inf)$/,
  what: 'a bucket boundary as the histogram writes its le label, e.g. "0.25"',
};

/** A duration in milliseconds as PromQL writes it (`5m`, `90s`), or undefined when it cannot. */
export function promqlDuration(ms: number): string | undefined {
  if (!Number.isInteger(ms) || ms <= 0) return undefined;
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ];
  const [unit, size] = units.find(([, s]) => ms % s === 0)!;
  return `${ms / size}${unit}`;
}

function readPrometheus(root: Config, read: ReturnType<typeof reader>) {
  const url = root.getOptionalString('blueGreen.prometheus.url');
  const clusters = read.strings('prometheus.clusters');
  const urls: Record<string, string | undefined> = { url };
  for (const [name, value] of Object.entries(clusters)) {
    urls[`clusters.${name}`] = value;
  }
  for (const [k, value] of Object.entries(urls)) {
    if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) {
      read.fail(`prometheus.${k}`, `is "${value}"; it must be an http(s) URL`);
    }
  }
  if (!url && Object.keys(clusters).length === 0) return undefined;
  const headers = read.strings('prometheus.headers');
  const authHeader = root.getOptionalString('blueGreen.prometheus.authHeader');
  if (authHeader) headers.Authorization = authHeader;
  return {
    url: url ?? '',
    clusters,
    headers,
    timeoutMs: read.duration('prometheus.timeout', { seconds: 5 }, [
      { milliseconds: 1 },
      { minutes: 1 },
    ]),
  };
}

function readQueries(root: Config, read: ReturnType<typeof reader>) {
  const queries = { ...DEFAULT_QUERIES };
  for (const metric of METRICS) {
    const k = `blueGreen.prometheus.queries.${metric}`;
    queries[metric] = root.getOptionalString(k) ?? queries[metric];
    validateTemplate(k, queries[metric]);
  }
  const configured =
    root.getOptionalConfig('blueGreen.prometheus.queries')?.keys() ?? [];
  for (const name of configured) {
    if (!(METRICS as readonly string[]).includes(name)) {
      read.fail(
        `prometheus.queries.${name}`,
        `is not a known metric; use one of ${METRICS.join(', ')}`,
      );
    }
  }
  return queries;
}

function readThresholds(root: Config, read: ReturnType<typeof reader>) {
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const k of Object.keys(DEFAULT_THRESHOLDS) as Array<keyof Thresholds>) {
    thresholds[k] = read.number(
      `checks.thresholds.${k}`,
      DEFAULT_THRESHOLDS[k]!,
    );
  }
  for (const k of ['rpsMin', 'rpsMax'] as const) {
    if (root.has(`blueGreen.checks.thresholds.${k}`)) {
      thresholds[k] = read.number(`checks.thresholds.${k}`, 0);
    }
  }
  return thresholds;
}

function readDependencyHosts(root: Config, read: ReturnType<typeof reader>) {
  const hosts =
    root.getOptionalStringArray('blueGreen.checks.dependencyHosts') ?? [];
  for (const host of hosts) {
    if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
      read.fail(
        'checks.dependencyHosts:',
        `"${host}" is not a host name, *.domain or host:port`,
      );
    }
  }
  return hosts.map(h => h.toLocaleLowerCase('en-US'));
}

/**
 * The rollback criteria: the documented defaults, `watch.rateWindow` as the range of the rate-based
 * ones when set, then `watch.criteria.<id>.{action, window, for}`.
 */
function readCriteria(
  root: Config,
  read: ReturnType<typeof reader>,
): CriteriaSettings {
  const section = root.getOptionalConfig('blueGreen.watch.criteria');
  for (const id of section?.keys() ?? []) {
    if (!(BUILT_IN_CRITERIA as readonly string[]).includes(id)) {
      read.fail(
        `watch.criteria.${id}`,
        `is not a rollback criterion; use one of ${BUILT_IN_CRITERIA.join(
          ', ',
        )} (custom checks set their own under checks.custom)`,
      );
    }
  }
  const rateWindow = root.has('blueGreen.watch.rateWindow')
    ? read.promDuration('watch.rateWindow', { minutes: 1 })
    : undefined;
  const criteria: CriteriaSettings = {};
  for (const id of BUILT_IN_CRITERIA) {
    const base = DEFAULT_CRITERIA[id];
    const k = `watch.criteria.${id}`;
    const action = root.getOptionalString(`blueGreen.${k}.action`);
    if (action && !['rollback', 'investigate', 'off'].includes(action)) {
      read.fail(
        `${k}.action`,
        `is "${action}"; use rollback, investigate or off`,
      );
    }
    let window = base.window;
    if (base.window) {
      const fallback =
        rateWindow && id !== 'restart-loop' ? rateWindow : base.window;
      window = root.has(`blueGreen.${k}.window`)
        ? read.promDuration(`${k}.window`, { minutes: 1 })
        : fallback;
    } else if (root.has(`blueGreen.${k}.window`)) {
      read.fail(`${k}.window`, `is not read: ${id} has no range`);
    }
    criteria[id] = {
      action: (action as CriterionAction | undefined) ?? base.action,
      window,
      forMs: read.duration(`${k}.for`, { milliseconds: base.forMs }, [
        {},
        { days: 1 },
      ]),
    };
  }
  return criteria;
}

/** Ids a custom check may not take: the built-in items and rollback criteria. */
const BUILT_IN_IDS = new Set<string>([
  ...BUILT_IN_CRITERIA,
  ...METRICS,
  'pods-ready',
  'replicas',
  'health-endpoint',
  'cpu',
  'memory',
  'metrics-available',
  'client-errors',
  'latency',
  'traffic',
]);

/**
 * `checks.custom.<id>`: extra PromQL checks, validated as the built-in templates are (known
 * placeholders, valid PromQL), with their bounds, phases and rollback settings.
 */
function readCustomChecks(
  root: Config,
  read: ReturnType<typeof reader>,
): Record<string, CustomCheck> {
  const section = root.getOptionalConfig('blueGreen.checks.custom');
  const checks: Record<string, CustomCheck> = {};
  for (const id of section?.keys() ?? []) {
    const k = `checks.custom.${id}`;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id) || BUILT_IN_IDS.has(id)) {
      read.fail(
        k,
        'needs an id of lowercase letters, digits and dashes that is not a built-in item or criterion',
      );
    }
    const query = root.getOptionalString(`blueGreen.${k}.query`);
    if (!query) read.fail(`${k}.query`, 'is required: a PromQL template');
    validateTemplate(`blueGreen.${k}.query`, query!);
    const bound = (b: 'min' | 'max') =>
      root.has(`blueGreen.${k}.${b}`)
        ? read.number(`${k}.${b}`, 0, [
            -Number.MAX_SAFE_INTEGER,
            Number.MAX_SAFE_INTEGER,
          ])
        : undefined;
    const min = bound('min');
    const max = bound('max');
    if (min === undefined && max === undefined) {
      read.fail(
        k,
        'needs min or max: the check passes while its value is within them',
      );
    }
    if (min !== undefined && max !== undefined && min > max) {
      read.fail(k, `has min ${min} above max ${max}`);
    }
    const phases = (root.getOptionalStringArray(`blueGreen.${k}.phases`) ?? [
      'post',
    ]) as CustomPhase[];
    for (const phase of phases) {
      if (!CUSTOM_PHASES.includes(phase)) {
        read.fail(
          `${k}.phases`,
          `has "${phase}"; use ${CUSTOM_PHASES.join(', ')}`,
        );
      }
    }
    const action =
      root.getOptionalString(`blueGreen.${k}.action`) ?? 'rollback';
    if (action !== 'rollback' && action !== 'investigate') {
      read.fail(`${k}.action`, `is "${action}"; use rollback or investigate`);
    }
    checks[id] = {
      id,
      title: root.getOptionalString(`blueGreen.${k}.title`) ?? id,
      query: query!,
      ...(min !== undefined && { min }),
      ...(max !== undefined && { max }),
      phases: [...new Set(phases)],
      window: root.has(`blueGreen.${k}.window`)
        ? read.promDuration(`${k}.window`, { minutes: 5 })
        : read.promDuration('checks.window', { minutes: 5 }),
      required: read.boolean(`${k}.required`, true),
      action: action as CustomCheck['action'],
      forMs: read.duration(`${k}.for`, { minutes: 1 }, [{}, { days: 1 }]),
      allEntities: read.boolean(`${k}.allEntities`, false),
    };
  }
  return checks;
}

/**
 * `logs`: the patterns (each a valid regular expression), how much is read, and Loki's query
 * template (known placeholders, valid LogQL) when Loki counts the lines.
 */
function readLogs(
  root: Config,
  read: ReturnType<typeof reader>,
): LogSignalSettings {
  const patterns = root.getOptionalStringArray('blueGreen.logs.patterns') ?? [
    ...DEFAULT_LOG_PATTERNS,
  ];
  if (patterns.length === 0) {
    read.fail('logs.patterns', 'is empty; leave it out for the defaults');
  }
  for (const pattern of patterns) {
    try {
      RegExp(pattern); // throws on what is not a regular expression
    } catch (error) {
      read.fail(
        'logs.patterns',
        `has "${pattern}", which is not a regular expression: ${
          (error as Error).message
        }`,
      );
    }
  }
  const baseUrl = root.getOptionalString('blueGreen.logs.loki.baseUrl');
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) {
    read.fail(
      'logs.loki.baseUrl',
      `is "${baseUrl}"; it must be an http(s) URL`,
    );
  }
  const query =
    root.getOptionalString('blueGreen.logs.loki.query') ?? DEFAULT_LOKI_QUERY;
  if (baseUrl) validateLogqlTemplate('blueGreen.logs.loki.query', query);
  return {
    enabled: read.boolean('logs.enabled', true),
    patterns,
    windowMs: read.duration('logs.window', { minutes: 2 }, [
      { seconds: 30 },
      { hours: 1 },
    ]),
    maxPods: read.number('logs.maxPods', 3, [1, 20]),
    tailLines: read.number('logs.tailLines', 2000, [1, 100_000]),
    limitBytes: read.number('logs.limitBytes', 512 * 1024, [
      1024,
      16 * 1024 * 1024,
    ]),
    loki: baseUrl
      ? {
          baseUrl,
          query,
          headers: read.strings('logs.loki.headers'),
          timeoutMs: read.duration('logs.loki.timeout', { seconds: 5 }, [
            { milliseconds: 1 },
            { minutes: 1 },
          ]),
        }
      : undefined,
  };
}

function readSlo(read: ReturnType<typeof reader>): SloConfig {
  const window = read.duration('slo.window', { days: 30 }, [
    { days: 1 },
    { days: 365 },
  ]);
  const windowDays = window / 86_400_000;
  if (!isWholeDays(windowDays)) {
    read.fail('slo.window', 'must be a whole number of days from 1 to 365');
  }
  return {
    availability: read.number('slo.availability', 0.999, [0, 1]),
    latency: read.number('slo.latency', 0.95, [0, 1]),
    latencyThresholdMs: read.duration(
      'slo.latencyThreshold',
      { milliseconds: 250 },
      [{ milliseconds: 1 }, { minutes: 10 }],
    ),
    latencyBucket: read.optionalString('slo.latencyBucket', LE_VALUE),
    windowDays,
  };
}

/**
 * Reads every `blueGreen.*` section (except `blueGreen.kubernetes`, which the Kubernetes gateway
 * reads). Durations are Backstage durations (`30s`, `5m`, `{ minutes: 5 }`); every PromQL
 * template is checked here, so a typo stops the backend at start-up with the key's name rather
 * than failing a promote later.
 */
export function readBlueGreenConfig(root: Config): BlueGreenConfig {
  for (const [old, now] of Object.entries(RENAMED)) {
    if (root.has(`blueGreen.${old}`)) {
      throw new Error(
        `blueGreen.${old} is no longer read; set blueGreen.${now} to a duration such as 30s or 5m`,
      );
    }
  }
  const read = reader(root);
  const items: BlueGreenConfig['checks']['items'] = {};
  const itemsConfig = root.getOptionalConfig('blueGreen.checks.items');
  for (const id of itemsConfig?.keys() ?? []) {
    items[id] = {
      required: itemsConfig!.getOptionalBoolean(`${id}.required`),
      enabled: itemsConfig!.getOptionalBoolean(`${id}.enabled`),
    };
  }
  const grafanaUrl = root.getOptionalString('blueGreen.grafana.url');
  const logs = readLogs(root, read);
  const criteria = readCriteria(root, read);
  // Without the log signal there is nothing for its criterion to judge.
  if (!logs.enabled) delete criteria[LOG_SIGNAL_ID];
  return {
    switch: {
      verifyTimeoutMs: read.duration('switch.verifyTimeout', { seconds: 30 }),
      stepIntervalMs: read.duration('switch.stepInterval', { seconds: 30 }),
      interruptedAfterMs: read.duration('switch.interruptedAfter', {
        minutes: 10,
      }),
      sweepIntervalMs: read.duration('switch.sweepInterval', { minutes: 1 }, [
        { seconds: 1 },
        { days: 1 },
      ]),
    },
    scaleDown: {
      enabled: read.boolean('scaleDown.enabled', false),
      delayMs: read.duration('scaleDown.delay', { seconds: 30 }),
      replicas: read.number('scaleDown.replicas', 0),
    },
    alerts: {
      runbookUrl:
        root.getOptionalString('blueGreen.alerts.runbookUrl') ??
        `${root.getOptionalString('app.baseUrl') ?? ''}${RUNBOOK_PATH}`,
    },
    fleet: {
      cacheTtlMs: read.duration('fleet.cacheTtl', { seconds: 10 }),
      clusterTimeoutMs: read.duration('fleet.clusterTimeout', { seconds: 5 }),
      watch: read.boolean('fleet.watch', true),
    },
    prometheus: readPrometheus(root, read),
    queries: readQueries(root, read),
    checks: {
      window: read.promDuration('checks.window', { minutes: 5 }),
      thresholds: readThresholds(root, read),
      requiredForPromote: read.boolean('checks.requiredForPromote', true),
      items,
      cacheTtlMs: read.duration('checks.cacheTtl', { seconds: 5 }, [
        {},
        { hours: 1 },
      ]),
      dependencyHosts: readDependencyHosts(root, read),
      custom: readCustomChecks(root, read),
    },
    watch: {
      enabled: read.boolean('watch.enabled', true),
      durationMs: read.duration('watch.duration', { minutes: 5 }, [
        { seconds: 1 },
        { days: 1 },
      ]),
      evaluationIntervalMs: read.duration(
        'watch.evaluationInterval',
        { seconds: 15 },
        [{ seconds: 1 }, { hours: 1 }],
      ),
      criteria,
      autoRollback: read.boolean('watch.autoRollback', true),
    },
    slo: readSlo(read),
    logs,
    namespaces: NamespacePolicy.fromConfig(root),
    grafana: grafanaUrl
      ? {
          url: grafanaUrl.replace(/\/+$/, ''),
          token: root.getOptionalString('blueGreen.grafana.token'),
          dashboardUid: root.getOptionalString(
            'blueGreen.grafana.dashboardUid',
          ),
        }
      : undefined,
  };
}
