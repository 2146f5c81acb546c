/**
 * What a real cluster's monitoring stack would expose: cAdvisor and kube-state-metrics
 * series (sandbox-wide targets), Prometheus http_sd targets for every running pod with
 * its labels, and the metrics.k8s.io PodMetrics/NodeMetrics views.
 */
/* eslint-disable no-new -- prom-client metrics register themselves in the registries below */
import { Counter, Gauge, Registry } from 'prom-client';
import { Cluster } from '../controllers/cluster';
import { Kubelet } from '../controllers/kubelet';
import { KubeObject } from '../api/store';
import { ResourceType } from '../api/resources';

export function sanitizeLabelName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

export class Observability {
  readonly cadvisor = new Registry();
  readonly kubeStateMetrics = new Registry();

  constructor(
    private readonly cluster: Cluster,
    private readonly kubelet: Kubelet,
  ) {
    const samples = () => kubelet.samples();
    const podLabels = ['namespace', 'pod', 'container'] as const;
    new Counter({
      name: 'container_cpu_usage_seconds_total',
      help: 'Cumulative cpu time consumed in seconds.',
      labelNames: [...podLabels, 'image'],
      registers: [this.cadvisor],
      collect() {
        this.reset();
        for (const s of samples()) {
          const pod = cluster.store.peek('pods', s.namespace, s.pod)?.obj;
          const image = pod?.spec?.containers?.[0]?.image ?? '';
          this.inc(
            {
              namespace: s.namespace,
              pod: s.pod,
              container: s.container,
              image,
            },
            s.cpuSeconds,
          );
        }
      },
    });
    new Gauge({
      name: 'container_memory_working_set_bytes',
      help: 'Current working set in bytes.',
      labelNames: podLabels,
      registers: [this.cadvisor],
      collect() {
        this.reset();
        for (const s of samples())
          this.set(
            { namespace: s.namespace, pod: s.pod, container: s.container },
            s.memoryBytes,
          );
      },
    });
    new Gauge({
      name: 'container_spec_memory_limit_bytes',
      help: 'Memory limit for the container.',
      labelNames: podLabels,
      registers: [this.cadvisor],
      collect() {
        this.reset();
        for (const s of samples())
          this.set(
            { namespace: s.namespace, pod: s.pod, container: s.container },
            s.limits.memory ?? 0,
          );
      },
    });

    const node = cluster.options.nodeName;
    new Counter({
      name: 'kube_pod_container_status_restarts_total',
      help: 'The number of container restarts per container.',
      labelNames: podLabels,
      registers: [this.kubeStateMetrics],
      collect() {
        this.reset();
        for (const s of samples())
          this.inc(
            { namespace: s.namespace, pod: s.pod, container: s.container },
            s.restarts,
          );
      },
    });
    new Gauge({
      name: 'kube_pod_container_status_last_terminated_reason',
      help: 'Describes the last reason the container was in terminated state.',
      labelNames: [...podLabels, 'reason'],
      registers: [this.kubeStateMetrics],
      collect() {
        this.reset();
        for (const s of samples()) {
          if (s.lastTerminatedReason)
            this.set(
              {
                namespace: s.namespace,
                pod: s.pod,
                container: s.container,
                reason: s.lastTerminatedReason,
              },
              1,
            );
        }
      },
    });
    for (const [name, pick] of [
      ['kube_pod_container_resource_limits', (s: any) => s.limits],
      ['kube_pod_container_resource_requests', (s: any) => s.requests],
    ] as const) {
      new Gauge({
        name,
        help: `The number of ${
          name.endsWith('limits') ? 'limit' : 'requested'
        } resource by a container.`,
        labelNames: [...podLabels, 'node', 'resource', 'unit'],
        registers: [this.kubeStateMetrics],
        collect() {
          this.reset();
          for (const s of samples()) {
            const r = pick(s);
            if (r.cpu !== undefined)
              this.set(
                {
                  namespace: s.namespace,
                  pod: s.pod,
                  container: s.container,
                  node,
                  resource: 'cpu',
                  unit: 'core',
                },
                r.cpu,
              );
            if (r.memory !== undefined)
              this.set(
                {
                  namespace: s.namespace,
                  pod: s.pod,
                  container: s.container,
                  node,
                  resource: 'memory',
                  unit: 'byte',
                },
                r.memory,
              );
          }
        },
      });
    }
    new Gauge({
      name: 'kube_pod_status_ready',
      help: 'Describes whether the pod is ready to serve requests.',
      labelNames: ['namespace', 'pod', 'condition'],
      registers: [this.kubeStateMetrics],
      collect() {
        this.reset();
        for (const s of samples()) {
          for (const cond of ['true', 'false']) {
            this.set(
              { namespace: s.namespace, pod: s.pod, condition: cond },
              (cond === 'true') === s.ready ? 1 : 0,
            );
          }
        }
      },
    });
    new Gauge({
      name: 'kube_pod_status_phase',
      help: 'The pods current phase.',
      labelNames: ['namespace', 'pod', 'phase'],
      registers: [this.kubeStateMetrics],
      collect() {
        this.reset();
        for (const s of samples()) {
          for (const phase of [
            'Pending',
            'Running',
            'Succeeded',
            'Failed',
            'Unknown',
          ]) {
            this.set(
              { namespace: s.namespace, pod: s.pod, phase },
              s.phase === phase ? 1 : 0,
            );
          }
        }
      },
    });
    // kube_pod_labels carries label_<name> for every pod label (joins by color/app).
    const labelGauge = () => {
      const names = new Set<string>();
      for (const p of cluster.store.objects('pods'))
        for (const k of Object.keys(p.metadata.labels ?? {}))
          names.add(`label_${sanitizeLabelName(k)}`);
      return [...names].sort();
    };
    this.kubeStateMetrics.registerMetric({
      name: 'kube_pod_labels',
      get: async () => {
        const values = cluster.store.objects('pods').map(p => {
          const labels: Record<string, string> = {
            namespace: p.metadata.namespace!,
            pod: p.metadata.name,
          };
          for (const [k, v] of Object.entries(p.metadata.labels ?? {}))
            labels[`label_${sanitizeLabelName(k)}`] = v;
          return { labels, value: 1 };
        });
        return {
          name: 'kube_pod_labels',
          help: 'Kubernetes labels converted to Prometheus labels.',
          type: 'gauge',
          values,
          aggregator: 'omit',
        } as any;
      },
      reset: () => undefined,
      labelNames: labelGauge(),
    } as any);
    for (const [name, field] of [
      [
        'kube_deployment_spec_replicas',
        (d: KubeObject) => d.spec?.replicas ?? 1,
      ],
      [
        'kube_deployment_status_replicas_available',
        (d: KubeObject) => d.status?.availableReplicas ?? 0,
      ],
      [
        'kube_deployment_status_replicas_ready',
        (d: KubeObject) => d.status?.readyReplicas ?? 0,
      ],
    ] as const) {
      new Gauge({
        name,
        help: name.replace(/_/g, ' '),
        labelNames: ['namespace', 'deployment'],
        registers: [this.kubeStateMetrics],
        collect() {
          this.reset();
          for (const d of cluster.store.objects('deployments.apps')) {
            this.set(
              { namespace: d.metadata.namespace!, deployment: d.metadata.name },
              field(d),
            );
          }
        },
      });
    }
  }

  /** Prometheus http_sd_configs document: one group per running pod, plus the sandbox-wide targets. */
  httpSd(apiHostPort: string) {
    const groups: any[] = [
      {
        targets: [apiHostPort],
        labels: {
          job: 'cadvisor',
          __metrics_path__: '/sandbox/metrics/cadvisor',
        },
      },
      {
        targets: [apiHostPort],
        labels: {
          job: 'kube-state-metrics',
          __metrics_path__: '/sandbox/metrics/kube-state-metrics',
        },
      },
    ];
    for (const pod of this.cluster.store.objects('pods')) {
      const ns = pod.metadata.namespace!;
      const name = pod.metadata.name;
      const proc = this.kubelet.process(ns, name);
      const ip = this.kubelet.podIp(ns, name);
      if (!proc || !ip) continue;
      const port = proc.portFor(undefined);
      if (!port) continue;
      const labels: Record<string, string> = {
        job: 'kubernetes-pods',
        namespace: ns,
        pod: name,
        __meta_kubernetes_namespace: ns,
        __meta_kubernetes_pod_name: name,
        __meta_kubernetes_pod_ip: ip,
        __meta_kubernetes_pod_node_name: pod.spec?.nodeName ?? '',
        __meta_kubernetes_pod_ready: String(
          (pod.status?.conditions ?? []).some(
            (c: any) => c.type === 'Ready' && c.status === 'True',
          ),
        ),
        __meta_kubernetes_pod_container_name:
          pod.spec?.containers?.[0]?.name ?? '',
      };
      for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
        const s = sanitizeLabelName(k);
        labels[`__meta_kubernetes_pod_label_${s}`] = v;
        if (!(s in labels) && !s.startsWith('__')) labels[s] = v;
      }
      groups.push({ targets: [`${ip}:${port}`], labels });
    }
    return groups;
  }

  /** metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics. */
  virtualList(type: ResourceType, namespace: string | undefined): KubeObject[] {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const samples = this.kubelet.samples();
    if (type.kind === 'NodeMetrics') {
      const cpu = samples.reduce((n, s) => n + s.cpuSeconds, 0);
      const mem = samples.reduce((n, s) => n + s.memoryBytes, 0);
      return [
        {
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'NodeMetrics',
          metadata: {
            name: this.cluster.options.nodeName,
            creationTimestamp: now,
          },
          timestamp: now,
          window: '20s',
          usage: {
            cpu: `${Math.round(cpu * 1e3) % 100000}m`,
            memory: `${Math.round(mem / 1024)}Ki`,
          },
        },
      ];
    }
    return samples
      .filter(s => !namespace || s.namespace === namespace)
      .map(s => {
        const pod = this.cluster.store.peek('pods', s.namespace, s.pod)?.obj;
        return {
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'PodMetrics',
          metadata: {
            name: s.pod,
            namespace: s.namespace,
            creationTimestamp: now,
            labels: { ...(pod?.metadata.labels ?? {}) },
          },
          timestamp: now,
          window: '20s',
          containers: [
            {
              name: s.container,
              // Recent usage: a few millicores plus request load.
              usage: {
                cpu: `${Math.max(
                  1,
                  Math.round(2 + (s.phase === 'Running' ? 3 : 0)),
                )}m`,
                memory: `${Math.round(s.memoryBytes / 1024)}Ki`,
              },
            },
          ],
        };
      });
  }
}
