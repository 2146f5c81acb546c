import { Config, ConfigReader } from '@backstage/config';
import { validateTemplate } from './promql';

/** Metrics read from Prometheus, each one query for both colors (`by ({{group}})`). */
export const METRICS = [
  'requestRate',
  'errorRatio',
  'clientErrorRatio',
  'p99',
  'latencyUnder',
  'restarts',
  'oomKills',
  'cpuRatio',
  'memoryRatio',
] as const;
export type MetricKey = (typeof METRICS)[number];

/**
 * Color of each pod, in kube-state-metrics form, to join pod-level series (cAdvisor, restarts,
 * termination reasons) with a color.
 */
const POD_COLOR = `max by (namespace, pod, {{group}}) (label_replace(kube_pod_labels{ {{podSelector}} }, "{{group}}", "$1", "label_{{group}}", "(.+)"))`;
const byColor = (series: string) =>
  `sum by ({{group}}) (${series} * on (namespace, pod) group_left ({{group}}) ${POD_COLOR})`;
const requests = (extra = '') =>
  `sum by ({{group}}) (rate(http_requests_total{ {{selector}}${extra} }[{{window}}]))`;
const ratioOf = (status: string) =>
  `(${requests(
    `,status=~"${status}"`,
  )} or ${requests()} * 0) / (${requests()} > 0)`;

/**
 * Default PromQL: the seeds' metrics (http_requests_total, http_request_duration_seconds,
 * cAdvisor and kube-state-metrics). Override any of them under `blueGreen.prometheus.queries`.
 */
export const DEFAULT_QUERIES: Record<MetricKey, string> = {
  requestRate: requests(),
  errorRatio: ratioOf('5..'),
  clientErrorRatio: ratioOf('4..'),
  p99: `histogram_quantile(0.99, sum by (le, {{group}}) (rate(http_request_duration_seconds_bucket{ {{selector}} }[{{window}}])))`,
  latencyUnder: `sum by ({{group}}) (rate(http_request_duration_seconds_bucket{ {{selector}},le="{{latencySeconds}}" }[{{window}}])) / (sum by ({{group}}) (rate(http_request_duration_seconds_count{ {{selector}} }[{{window}}])) > 0)`,
  restarts: byColor(
    `increase(kube_pod_container_status_restarts_total{namespace="{{namespace}}"}[{{window}}])`,
  ),
  oomKills: byColor(
    `kube_pod_container_status_last_terminated_reason{namespace="{{namespace}}",reason="OOMKilled"}`,
  ),
  cpuRatio: `${byColor(
    `rate(container_cpu_usage_seconds_total{namespace="{{namespace}}",container!="",container!="POD"}[{{window}}])`,
  )} / (${byColor(
    `kube_pod_container_resource_limits{namespace="{{namespace}}",resource="cpu"}`,
  )} > 0)`,
  memoryRatio: `${byColor(
    `container_memory_working_set_bytes{namespace="{{namespace}}",container!="",container!="POD"}`,
  )} / (${byColor(
    `kube_pod_container_resource_limits{namespace="{{namespace}}",resource="memory"}`,
  )} > 0)`,
};

/** Thresholds of the checklists (seed 000 §1.2) and rollback criteria (§1.3). */
export type Thresholds = {
  /** Post-deploy: 5xx ratio must stay below (0.001 = 0.1 %). */
  errorRatio: number;
  /** Post-deploy: a 4xx ratio above this many times the previous color's is a spike... */
  clientErrorSpikeFactor: number;
  /** ...and above the previous color's plus this much (absolute ratio). */
  clientErrorSpikeMargin: number;
  /** Post-deploy: P99 must stay below this many times the previous color's. */
  p99Factor: number;
  /** Post-deploy: requests per second band; without one, the previous color's ± rpsBandFactor. */
  rpsMin?: number;
  rpsMax?: number;
  rpsBandFactor: number;
  /** Pre-deploy: CPU and memory must stay below this share of the limits. */
  cpuRatio: number;
  memoryRatio: number;
  /** Restarts within the window that make a restart loop. */
  restarts: number;
  /** Rollback criteria: immediate rollback above this 5xx ratio (0.01 = 1 %). */
  rollbackErrorRatio: number;
  /** Investigate: P99 above this many times the previous color's. */
  investigateP99Factor: number;
  /** Investigate: CPU above this share of the limits. */
  investigateCpuRatio: number;
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  errorRatio: 0.001,
  clientErrorSpikeFactor: 2,
  clientErrorSpikeMargin: 0.005,
  p99Factor: 1.2,
  rpsBandFactor: 0.5,
  cpuRatio: 0.8,
  memoryRatio: 0.8,
  restarts: 3,
  rollbackErrorRatio: 0.01,
  investigateP99Factor: 2,
  investigateCpuRatio: 0.9,
};

export type SloConfig = {
  availability: number;
  latency: number;
  latencyThresholdMs: number;
  windowDays: number;
};

export type ChecksConfig = {
  prometheus?: {
    url: string;
    /** Per-cluster Prometheus, by the cluster's name in `kubernetes.clusterLocatorMethods`. */
    clusters: Record<string, string>;
    headers: Record<string, string>;
    timeoutMs: number;
  };
  queries: Record<MetricKey, string>;
  /** Range of rate() in checklist queries. */
  window: string;
  thresholds: Thresholds;
  /** Whether promote requires the pre-deploy checklist's required items to pass. */
  requiredForPromote: boolean;
  /** Per-item overrides, by item id. */
  items: Record<string, { required?: boolean; enabled?: boolean }>;
  /** How long a checklist evaluation is reused (status polls, promote right after a look). */
  cacheMs: number;
  /**
   * Hosts the dependency probe may contact (`db.internal`, `*.svc.cluster.local`, with an
   * optional `:port`). The annotation is written by entity authors: without this list the backend
   * would connect anywhere they name, inside the network it runs in.
   */
  dependencyHosts: string[];
  watch: {
    enabled: boolean;
    windowSeconds: number;
    evaluationIntervalSeconds: number;
    /** Range of rate() in the rollback criteria. */
    rateWindow: string;
    /** Consecutive failing evaluations before a criterion fires. */
    sustainEvaluations: number;
    /** Default for entities without the auto-rollback annotation. */
    autoRollback: boolean;
  };
  slo: SloConfig;
  grafana?: { url: string; token?: string; dashboardUid?: string };
};

const DURATION = /^[1-9][0-9]*(ms|s|m|h|d|w)$/;

function duration(config: Config, key: string, fallback: string): string {
  const value = config.getOptionalString(key) ?? fallback;
  if (!DURATION.test(value)) {
    throw new Error(
      `blueGreen.${key} is "${value}"; it must be a Prometheus duration such as 30s or 5m`,
    );
  }
  return value;
}

function number(
  config: Config,
  key: string,
  fallback: number,
  range: [number, number] = [0, Number.MAX_SAFE_INTEGER],
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isFinite(value) || value < range[0] || value > range[1]) {
    throw new Error(
      `blueGreen.${key} is ${value}; it must be a number from ${range[0]} to ${range[1]}`,
    );
  }
  return value;
}

/** A number of days that enters PromQL as a range (`30d`): PromQL has no fractional durations. */
export function isWholeDays(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 365;
}

function wholeDays(config: Config, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!isWholeDays(value)) {
    throw new Error(
      `blueGreen.${key} is ${value}; it must be a whole number of days from 1 to 365`,
    );
  }
  return value;
}

function stringMap(config: Config | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of config?.keys() ?? []) {
    result[key] = config!.getString(key);
  }
  return result;
}

/**
 * Reads `blueGreen.prometheus`, `blueGreen.checks`, `blueGreen.watch`, `blueGreen.slo` and
 * `blueGreen.grafana`. Every template is checked here, so a typo stops the backend at start-up
 * with the key's name rather than failing a promote later.
 */
function dependencyHosts(config: Config): string[] {
  const hosts = config.getOptionalStringArray('checks.dependencyHosts') ?? [];
  for (const host of hosts) {
    if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
      throw new Error(
        `blueGreen.checks.dependencyHosts: "${host}" is not a host name, *.domain or host:port`,
      );
    }
  }
  return hosts.map(h => h.toLocaleLowerCase('en-US'));
}

/** Whether the dependency probe may contact `host` on `port` (see ChecksConfig.dependencyHosts). */
export function dependencyAllowed(
  allowed: string[],
  host: string,
  port: number,
): boolean {
  const name = host.toLocaleLowerCase('en-US');
  return allowed.some(pattern => {
    const [patternHost, patternPort] = pattern.split(':');
    if (patternPort !== undefined && Number(patternPort) !== port) return false;
    return patternHost.startsWith('*.')
      ? name.endsWith(patternHost.slice(1)) &&
          name.length > patternHost.length - 1
      : name === patternHost;
  });
}

export function readChecksConfig(root: Config): ChecksConfig {
  const config = root.getOptionalConfig('blueGreen') ?? new ConfigReader({});

  const prometheusConfig = config.getOptionalConfig('prometheus');
  const queries = { ...DEFAULT_QUERIES };
  for (const metric of METRICS) {
    const key = `prometheus.queries.${metric}`;
    const template = config.getOptionalString(key);
    if (template !== undefined) queries[metric] = template;
    validateTemplate(`blueGreen.${key}`, queries[metric]);
  }
  for (const key of prometheusConfig?.getOptionalConfig('queries')?.keys() ??
    []) {
    if (!(METRICS as readonly string[]).includes(key)) {
      throw new Error(
        `blueGreen.prometheus.queries.${key} is not a known metric; use one of ${METRICS.join(
          ', ',
        )}`,
      );
    }
  }

  const url = prometheusConfig?.getOptionalString('url');
  const clusters = stringMap(prometheusConfig?.getOptionalConfig('clusters'));
  for (const [key, value] of Object.entries({
    url,
    ...Object.fromEntries(
      Object.entries(clusters).map(([k, v]) => [`clusters.${k}`, v]),
    ),
  })) {
    if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) {
      throw new Error(
        `blueGreen.prometheus.${key} is "${value}"; it must be an http(s) URL`,
      );
    }
  }
  const headers = stringMap(prometheusConfig?.getOptionalConfig('headers'));
  const authHeader = prometheusConfig?.getOptionalString('authHeader');
  if (authHeader) headers.Authorization = authHeader;

  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(DEFAULT_THRESHOLDS) as Array<
    keyof Thresholds
  >) {
    thresholds[key] = number(
      config,
      `checks.thresholds.${key}`,
      DEFAULT_THRESHOLDS[key]!,
    );
  }
  for (const key of ['rpsMin', 'rpsMax'] as const) {
    if (config.has(`checks.thresholds.${key}`)) {
      thresholds[key] = number(config, `checks.thresholds.${key}`, 0);
    }
  }

  const items: ChecksConfig['items'] = {};
  const itemsConfig = config.getOptionalConfig('checks.items');
  for (const id of itemsConfig?.keys() ?? []) {
    items[id] = {
      required: itemsConfig!.getOptionalBoolean(`${id}.required`),
      enabled: itemsConfig!.getOptionalBoolean(`${id}.enabled`),
    };
  }

  const grafanaUrl = config.getOptionalString('grafana.url');
  return {
    prometheus:
      url || Object.keys(clusters).length
        ? {
            url: url ?? '',
            clusters,
            headers,
            timeoutMs: number(config, 'prometheus.timeoutMs', 5000, [1, 60000]),
          }
        : undefined,
    queries,
    window: duration(config, 'checks.window', '5m'),
    thresholds,
    requiredForPromote:
      config.getOptionalBoolean('checks.requiredForPromote') ?? true,
    items,
    cacheMs: number(config, 'checks.cacheSeconds', 5, [0, 3600]) * 1000,
    dependencyHosts: dependencyHosts(config),
    watch: {
      enabled: config.getOptionalBoolean('watch.enabled') ?? true,
      windowSeconds: number(config, 'watch.windowSeconds', 300, [1, 86400]),
      evaluationIntervalSeconds: number(
        config,
        'watch.evaluationIntervalSeconds',
        15,
        [1, 3600],
      ),
      rateWindow: duration(config, 'watch.rateWindow', '1m'),
      sustainEvaluations: number(
        config,
        'watch.sustainEvaluations',
        2,
        [1, 100],
      ),
      autoRollback: config.getOptionalBoolean('watch.autoRollback') ?? true,
    },
    slo: {
      availability: number(config, 'slo.availability', 0.999, [0, 1]),
      latency: number(config, 'slo.latency', 0.95, [0, 1]),
      latencyThresholdMs: number(config, 'slo.latencyThresholdMs', 200),
      windowDays: wholeDays(config, 'slo.windowDays', 30),
    },
    grafana: grafanaUrl
      ? {
          url: grafanaUrl.replace(/\/+$/, ''),
          token: config.getOptionalString('grafana.token'),
          dashboardUid: config.getOptionalString('grafana.dashboardUid'),
        }
      : undefined,
  };
}
