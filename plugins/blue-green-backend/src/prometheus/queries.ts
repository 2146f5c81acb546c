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

/** The PromQL template of each metric (`blueGreen.prometheus.queries`, defaults filled in). */
export type QueryTemplates = Record<MetricKey, string>;

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
 * Default PromQL over the usual metrics (http_requests_total, http_request_duration_seconds,
 * cAdvisor and kube-state-metrics). Override any of them under `blueGreen.prometheus.queries`.
 */
export const DEFAULT_QUERIES: QueryTemplates = {
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
