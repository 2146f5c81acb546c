/**
 * startSandbox: wires the API server, the controllers, the data plane and the seed
 * scenario into one local "cluster" on loopback.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { randomBytes } from 'crypto';
import { ApiServer } from './api/server';
import { ApiFaults } from './api/faults';
import { ApiRequestLog } from './api/requestLog';
import { ResourceRegistry } from './api/resources';
import { ResourceService } from './api/service';
import { Store } from './api/store';
import { applyDefaults } from './api/defaults';
import { Cluster, NodeCapacity } from './controllers/cluster';
import {
  DeploymentController,
  ReplicaSetController,
} from './controllers/workloads';
import { EndpointsController, serviceAdmission } from './controllers/endpoints';
import { GarbageCollector } from './controllers/gc';
import { Kubelet } from './controllers/kubelet';
import { RolloutController } from './controllers/rollouts';
import { AnalysisController } from './controllers/analysis';
import { Network } from './runtime/network';
import { Observability } from './runtime/observability';
import { loadScenario, Scenario } from './scenarios';
import { validateObject } from './api/validation';
import { createSandboxTls } from './api/tls';

export interface SandboxOptions {
  /** API port; 0 (default) picks a free port. */
  port?: number;
  /** 'seeds' (default) loads the seed fixtures; 'empty' starts with bare namespaces. */
  scenario?: Scenario;
  /** Built-in load generator per Service (default on, 10 requests/s per Service). */
  traffic?: boolean | { requestsPerSecond?: number };
  /** false: no per-pod and per-Service HTTP listeners (scale mode, implies no traffic). */
  listeners?: boolean;
  /** Time from scheduling to Ready (default 1500 ms). */
  podReadyDelayMs?: number;
  /** Where kubeconfig and other files are written (default: a new temp dir). */
  dataDir?: string;
  /** Node allocatable; pods beyond it stay Pending with FailedScheduling. */
  nodeCapacity?: Partial<NodeCapacity>;
  /** Prometheus base URL AnalysisRuns query instead of the template's address. */
  prometheusUrl?: string;
  /** Record Events (default true). */
  events?: boolean;
  /**
   * Probe readiness every second (default true). false: each pod turns Ready once, and fault
   * annotations added later are not noticed — for clusters of thousands of services that only
   * need to be listed.
   */
  probes?: boolean;
  /** Require this exact bearer token (default: any token, or none, is accepted). */
  requireToken?: boolean;
  /**
   * With `requireToken`: other bearer tokens the API accepts, as a real cluster's webhook or
   * OIDC authenticator would (an EKS token checked against its signature, an OAuth access token).
   */
  authenticate?: (token: string) => boolean | Promise<boolean>;
  /**
   * Serve the API over HTTPS with a certificate from a new self-signed CA (`caData`, `caFile`),
   * valid for 127.0.0.1, localhost and these extra names (reachable with `tls-server-name`).
   */
  https?: boolean | { serverNames?: string[] };
}

export interface SandboxAddress {
  namespace: string;
  name: string;
  port: number;
  url: string;
}

export interface Sandbox {
  /** http://127.0.0.1:PORT (https:// with the `https` option) */
  url: string;
  /** With `https`: the CA certificate that signed the API's certificate, base64 PEM (`caData`). */
  caData?: string;
  /** With `https`: a file holding the same CA certificate (`caFile`). */
  caFile?: string;
  /** Bearer token written to the kubeconfig (the API accepts any token unless requireToken). */
  token: string;
  kubeconfigPath: string;
  /** Prometheus http_sd endpoint listing every running pod and the sandbox-wide targets. */
  httpSdUrl: string;
  dataDir: string;
  /** Real loopback address that forwards to the Service's current ready endpoints. */
  serviceUrl(
    namespace: string,
    name: string,
    port?: number,
  ): string | undefined;
  /** All Service loopback addresses. */
  services(): SandboxAddress[];
  /** API fault mode (500s, timeouts, dropped connections, 409 storms, latency). */
  faults: ApiFaults;
  /** Every API request received, in order: what clients read and wrote (`mutating()`). */
  requests: ApiRequestLog;
  /** Points AnalysisRuns at this Prometheus (overrides the templates' address). */
  setPrometheusUrl(url: string | undefined): void;
  /** Resolves when every Deployment is complete and every Rollout Healthy or Paused. */
  settled(timeoutMs?: number): Promise<void>;
  /** Internals for tests and tools. */
  internals: {
    store: Store;
    api: ResourceService;
    cluster: Cluster;
    network: Network;
    kubelet: Kubelet;
  };
  stop(): Promise<void>;
}

export async function startSandbox(
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const listeners = options.listeners ?? true;
  const dataDir =
    options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sandbox-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const token = `sandbox-${randomBytes(16).toString('hex')}`;
  const tls = options.https
    ? await createSandboxTls(
        typeof options.https === 'object' ? options.https.serverNames : [],
      )
    : undefined;
  const caFile = tls && path.join(dataDir, 'ca.crt');
  if (tls && caFile) fs.writeFileSync(caFile, tls.ca);
  const caData = tls && Buffer.from(tls.ca).toString('base64');
  const registry = new ResourceRegistry();
  const store = new Store();
  const api = new ResourceService(registry, store);
  const cluster = new Cluster(store, api, registry, {
    podReadyDelayMs: options.podReadyDelayMs ?? 1500,
    podTerminationDelayMs: Math.min(
      1000,
      Math.max(50, Math.round((options.podReadyDelayMs ?? 1500) / 3)),
    ),
    // Like a readinessProbe with periodSeconds: 1 (cheap enough for thousands of pods).
    probePeriodMs: options.probes === false ? undefined : 1000,
    backoffBaseMs: Math.max(
      200,
      Math.round((options.podReadyDelayMs ?? 1500) * 0.7),
    ),
    nodeName: 'sandbox-node',
    nodeCapacity: {
      cpu: '16',
      memory: '64Gi',
      pods: 10000,
      ...(options.nodeCapacity ?? {}),
    },
    listeners,
    events: options.events ?? true,
  });
  api.addAdmission((_op, _type, obj) => applyDefaults(obj));
  api.addAdmission(validateObject);
  api.addAdmission(serviceAdmission(cluster));

  // Controllers subscribe to the store when constructed.
  const controllers: object[] = [
    new ReplicaSetController(cluster),
    new DeploymentController(cluster),
    new EndpointsController(cluster),
    new GarbageCollector(cluster),
  ];
  const kubelet = new Kubelet(cluster);
  const network = new Network(cluster, kubelet);
  const analysis = new AnalysisController(cluster, options.prometheusUrl);
  controllers.push(new RolloutController(cluster));
  const observability = new Observability(cluster, kubelet);

  const faults = new ApiFaults();
  let apiHostPort = '';
  const server = new ApiServer(
    api,
    registry,
    store,
    faults,
    {
      podLogs: (ns, name, _c, logOptions) => kubelet.logs(ns, name, logOptions),
      proxy: (target, p, req, res) => network.apiProxy(target, p, req, res),
      virtualList: (type, ns) => observability.virtualList(type, ns),
      extraRoute: (_req, res, url) => {
        const send = (ct: string, text: string) => {
          res.writeHead(200, { 'Content-Type': ct });
          res.end(text);
        };
        switch (url.pathname) {
          case '/sandbox/http-sd':
            send(
              'application/json',
              JSON.stringify(observability.httpSd(apiHostPort)),
            );
            return true;
          case '/sandbox/metrics/cadvisor':
            observability.cadvisor
              .metrics()
              .then(t => send(observability.cadvisor.contentType, t));
            return true;
          case '/sandbox/metrics/kube-state-metrics':
            observability.kubeStateMetrics
              .metrics()
              .then(t => send(observability.kubeStateMetrics.contentType, t));
            return true;
          default:
            return false;
        }
      },
    },
    {
      requiredToken: options.requireToken ? token : undefined,
      authenticate: options.authenticate,
      tls,
    },
  );

  // Cluster-scoped basics: namespaces and the node.
  const nsType = registry.byKey('namespaces');
  for (const ns of [
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
  ]) {
    api.create(nsType, undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
    });
  }
  const cap = cluster.options.nodeCapacity;
  api.create(registry.byKey('nodes'), undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: cluster.options.nodeName,
      labels: {
        'kubernetes.io/hostname': cluster.options.nodeName,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: {},
  });
  api.update(
    registry.byKey('nodes'),
    undefined,
    cluster.options.nodeName,
    o => {
      const res = { cpu: cap.cpu, memory: cap.memory, pods: String(cap.pods) };
      o.status = {
        capacity: res,
        allocatable: res,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: o.metadata.creationTimestamp,
            lastTransitionTime: o.metadata.creationTimestamp,
          },
        ],
        addresses: [
          { type: 'InternalIP', address: cluster.nodeIp },
          { type: 'Hostname', address: cluster.options.nodeName },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.4-sandbox',
          kubeProxyVersion: 'v1.32.4-sandbox',
          containerRuntimeVersion: 'sandbox://1.0',
          operatingSystem: 'linux',
          architecture: 'amd64',
          osImage: 'Kube Sandbox',
          kernelVersion: os.release(),
          machineID: '',
          systemUUID: '',
          bootID: '',
        },
      };
      return o;
    },
    { subresource: 'status' },
  );

  const port = await server.listen(options.port ?? 0);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  apiHostPort = `127.0.0.1:${port}`;
  const kubeconfigPath = path.join(dataDir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: kube-sandbox',
      '  cluster:',
      `    server: ${url}`,
      ...(caData ? [`    certificate-authority-data: ${caData}`] : []),
      'users:',
      '- name: kube-sandbox',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: kube-sandbox',
      '  context:',
      '    cluster: kube-sandbox',
      '    user: kube-sandbox',
      '    namespace: default',
      'current-context: kube-sandbox',
      '',
    ].join('\n'),
  );

  const sandbox: Sandbox = {
    url,
    caData,
    caFile,
    token,
    kubeconfigPath,
    httpSdUrl: `${url}/sandbox/http-sd`,
    dataDir,
    faults,
    requests: server.requests,
    serviceUrl: (ns, name, p) => network.serviceUrl(ns, name, p),
    services: () => network.serviceAddresses(),
    setPrometheusUrl: u => analysis.setPrometheusUrl(u),
    settled: timeoutMs => settled(store, timeoutMs),
    internals: { store, api, cluster, network, kubelet },
    stop: async () => {
      cluster.timers.stopAll();
      await network.stop();
      await kubelet.stop();
      await server.close();
    },
  };

  try {
    await loadScenario({ api, store }, options.scenario ?? 'seeds');
  } catch (e) {
    await sandbox.stop();
    throw e;
  }
  const traffic = options.traffic ?? true;
  if (listeners && traffic !== false) {
    network.startLoad(
      typeof traffic === 'object' ? traffic.requestsPerSecond ?? 10 : 10,
    );
  }
  return sandbox;
}

function isSettled(store: Store): boolean {
  for (const d of store.objects('deployments.apps')) {
    const s = d.status ?? {};
    const want = d.spec?.replicas ?? 1;
    if (s.observedGeneration !== d.metadata.generation) return false;
    if (
      (s.updatedReplicas ?? 0) !== want ||
      (s.availableReplicas ?? 0) !== want ||
      (s.replicas ?? 0) !== want
    )
      return false;
  }
  for (const r of store.objects('rollouts.argoproj.io')) {
    const phase = r.status?.phase;
    if (r.status?.observedGeneration !== String(r.metadata.generation))
      return false;
    if (phase !== 'Healthy' && phase !== 'Paused') return false;
  }
  return true;
}

export async function settled(store: Store, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isSettled(store)) {
    if (Date.now() > deadline)
      throw new Error(`sandbox did not settle within ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 50));
  }
}
