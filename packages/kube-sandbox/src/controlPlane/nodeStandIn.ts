/**
 * A node without a kubelet for a real control plane, in the manner of kwok: it registers a Node
 * and renews its Lease, binds pending pods to it (the scheduler's one job here), and plays the
 * kubelet — each pod gets an address of the pod network and a real HTTP listener there (the
 * sandbox's PodProcess: `/`, `/health`, `/metrics`), then Running, then Ready after a delay, all
 * written to the pod's status through the API. Deleting a pod stops its listener and finishes the
 * deletion, as the kubelet does. The sandbox's fault annotations work as in the sandbox.
 */
import os from 'node:os';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ListWatch } from '@kubernetes/client-node';
import { podIdentity } from '../controllers/kubelet';
import { podFaults } from '../runtime/faultAnnotations';
import { lookupImage } from '../runtime/images';
import { PodProcess } from '../runtime/podProcess';
import type { KubeObject } from '../api/store';
import { KubeApi, Obj } from './kubeApi';

export type NodeStandInOptions = {
  nodeName: string;
  /** The node's own address (InternalIP, every pod's hostIP). */
  nodeIp: string;
  /** First two octets of the /16 pod addresses come from (e.g. "10.244"). */
  podNetwork: string;
  readyDelayMs: number;
  /**
   * The kubelet's HTTPS endpoint (port 10250 of the node's address), which kube-apiserver reads
   * pods/log from: its serving certificate and key files.
   */
  kubeletTls?: { cert: string; key: string };
};

/** The kubelet's port, as the Node's status.daemonEndpoints says. */
const KUBELET_PORT = 10250;

type PodState = {
  uid: string;
  ip?: string;
  process?: PodProcess;
  startedAt: string;
  readyAtMs: number;
  ready?: boolean;
  image: string;
  stopping?: boolean;
};

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const key = (o: Obj) => `${o.metadata.namespace}/${o.metadata.name}`;
const controllerOf = (o: Obj | undefined) =>
  o?.metadata.ownerReferences?.find(r => r.controller);

export class NodeStandIn {
  private readonly pods = new Map<string, PodState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly informers: ListWatch<Obj>[] = [];
  private nextIp = 2;
  private readonly freeIps: string[] = [];
  private stopped = false;
  private podsOnNode!: ListWatch<Obj>;
  private replicaSets!: ListWatch<Obj>;
  private workloads = new Map<string, ListWatch<Obj>>();
  private configMaps!: ListWatch<Obj>;
  private kubeletServer?: https.Server;

  constructor(
    private readonly api: KubeApi,
    private readonly options: NodeStandInOptions,
  ) {}

  async start() {
    await this.serveKubelet();
    await this.registerNode();
    this.every(10_000, () => this.renewLease());
    await this.renewLease();

    this.replicaSets = this.watch('/apis/apps/v1/replicasets');
    this.workloads.set('Deployment', this.watch('/apis/apps/v1/deployments'));
    this.workloads.set(
      'Rollout',
      this.watch('/apis/argoproj.io/v1alpha1/rollouts'),
    );
    this.configMaps = this.watch('/api/v1/configmaps');

    const unscheduled = this.watch('/api/v1/pods', {
      fieldSelector: 'spec.nodeName=',
    });
    unscheduled.on('add', pod => this.bind(pod));
    unscheduled.on('update', pod => this.bind(pod));

    this.podsOnNode = this.watch('/api/v1/pods', {
      fieldSelector: `spec.nodeName=${this.options.nodeName}`,
    });
    this.podsOnNode.on('add', pod => this.sync(pod));
    this.podsOnNode.on('update', pod => this.sync(pod));
    this.podsOnNode.on('delete', pod => this.forget(key(pod)));
    // The readiness probe: faults set on a workload take effect without a new pod.
    this.every(1000, () => {
      for (const pod of this.podsOnNode.list()) this.probe(pod);
    });
    await Promise.all(this.informers.map(i => this.run(i)));
  }

  async stop() {
    this.stopped = true;
    this.kubeletServer?.close();
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.informers.map(i => i.stop()));
    await Promise.all([...this.pods.values()].map(s => s.process?.stop()));
  }

  /** The pod's listener address ("10.244.0.5:8080") for a containerPort, when it runs. */
  podAddress(namespace: string, name: string) {
    return this.pods.get(`${namespace}/${name}`)?.ip;
  }

  private watch(
    path: string,
    options?: { fieldSelector?: string },
  ): ListWatch<Obj> {
    const informer = this.api.informer<Obj>(path, options);
    this.informers.push(informer);
    return informer;
  }

  private async run(informer: ListWatch<Obj>) {
    try {
      await informer.start();
    } catch {
      // A CRD not yet served or a refused connection: try again, like a reflector.
      if (!this.stopped) setTimeout(() => this.run(informer), 1000);
    }
  }

  private every(ms: number, fn: () => void) {
    const t = setInterval(() => {
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private after(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  // --- the node ------------------------------------------------------------------------

  /**
   * The kubelet's log endpoint, `GET /containerLogs/NS/POD/CONTAINER`, with the query kube-apiserver
   * passes on from pods/log (sinceSeconds, tailLines, limitBytes, timestamps). kube-apiserver does
   * the authentication and RBAC before it connects here.
   */
  private async serveKubelet() {
    const tls = this.options.kubeletTls;
    if (!tls) return;
    const server = https.createServer(
      { cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
      (req, res) => {
        const url = new URL(req.url ?? '/', 'https://kubelet');
        const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(
          url.pathname,
        );
        const container = match
          ? this.pods.get(`${match[1]}/${match[2]}`)?.process
          : undefined;
        if (req.method !== 'GET' || !container) {
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          res.end('not found\n');
          return;
        }
        const number = (k: string) =>
          url.searchParams.has(k) ? Number(url.searchParams.get(k)) : undefined;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(
          container.logs({
            sinceSeconds: number('sinceSeconds'),
            tailLines: number('tailLines'),
            limitBytes: number('limitBytes'),
            timestamps: url.searchParams.get('timestamps') === 'true',
          }),
        );
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(KUBELET_PORT, this.options.nodeIp, resolve);
    });
    this.kubeletServer = server;
  }

  private async registerNode() {
    const { nodeName, nodeIp } = this.options;
    const created = await this.api.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: {
          'kubernetes.io/hostname': nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          type: 'stand-in',
        },
      },
      spec: { podCIDR: `${this.options.podNetwork}.0.0/16` },
    });
    if (created.status !== 201 && created.status !== 409)
      throw new Error(`registering node ${nodeName}: ${created.status}`);
    const capacity = { cpu: '16', memory: '64Gi', pods: '1000' };
    await this.api.call(
      'PATCH',
      `/api/v1/nodes/${nodeName}/status`,
      {
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now(),
              lastTransitionTime: now(),
            },
          ],
          addresses: [
            { type: 'InternalIP', address: nodeIp },
            { type: 'Hostname', address: nodeName },
          ],
          ...(this.options.kubeletTls && {
            daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
          }),
          nodeInfo: {
            kubeletVersion: 'v0.0.0-stand-in',
            kubeProxyVersion: 'v0.0.0-stand-in',
            containerRuntimeVersion: 'stand-in://1.0',
            operatingSystem: 'linux',
            architecture: 'amd64',
            osImage: 'Blue/Green node stand-in',
            kernelVersion: os.release(),
            machineID: '',
            systemUUID: '',
            bootID: '',
          },
        },
      },
      'application/merge-patch+json',
    );
  }

  /** The node lifecycle controller marks a node whose Lease is not renewed NotReady. */
  private async renewLease() {
    const { nodeName } = this.options;
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`;
    const spec = {
      holderIdentity: nodeName,
      leaseDurationSeconds: 40,
      renewTime: new Date().toISOString().replace('Z', '000Z'),
    };
    const res = await this.api
      .request('PATCH', path, { spec }, 'application/merge-patch+json')
      .catch(() => undefined);
    if (res?.status === 404) {
      await this.api
        .request(
          'POST',
          '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: nodeName },
            spec,
          },
        )
        .catch(() => undefined);
    }
  }

  // --- the scheduler ---------------------------------------------------------------------

  private async bind(pod: Obj) {
    if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    const ns = pod.metadata.namespace!;
    const res = await this.api
      .request(
        'POST',
        `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/binding`,
        {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: pod.metadata.name, uid: pod.metadata.uid },
          target: {
            apiVersion: 'v1',
            kind: 'Node',
            name: this.options.nodeName,
          },
        },
      )
      .catch(() => undefined);
    if (res?.status === 201) {
      this.event(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${ns}/${pod.metadata.name} to ${this.options.nodeName}`,
        'default-scheduler',
      );
    }
  }

  // --- the kubelet -------------------------------------------------------------------------

  private workloadOf(pod: Obj): Obj | undefined {
    const rsRef = controllerOf(pod);
    if (rsRef?.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.get(rsRef.name, pod.metadata.namespace);
    const ref = controllerOf(rs);
    return (
      ref && this.workloads.get(ref.kind)?.get(ref.name, pod.metadata.namespace)
    );
  }

  /** nginx serves index.html from a ConfigMap mounted at /usr/share/nginx/html, as in the sandbox. */
  private html(pod: Obj): string | undefined {
    const container = pod.spec?.containers?.[0];
    if (!String(container?.image ?? '').includes('nginx')) return undefined;
    const mount = (container.volumeMounts ?? []).find(
      (m: any) => m.mountPath === '/usr/share/nginx/html',
    );
    const volume =
      mount && (pod.spec.volumes ?? []).find((v: any) => v.name === mount.name);
    const name = volume?.configMap?.name;
    return name
      ? this.configMaps.get(name, pod.metadata.namespace)?.data?.['index.html']
      : undefined;
  }

  private allocateIp(): string {
    const reused = this.freeIps.shift();
    if (reused) return reused;
    const n = this.nextIp++;
    return `${this.options.podNetwork}.${Math.floor(n / 254)}.${(n % 254) + 1}`;
  }

  private async sync(pod: Obj) {
    const k = key(pod);
    let state = this.pods.get(k);
    if (state && state.uid !== pod.metadata.uid) {
      await this.forget(k);
      state = undefined;
    }
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(pod);
      return;
    }
    if (
      state ||
      pod.status?.phase === 'Succeeded' ||
      pod.status?.phase === 'Failed'
    )
      return;
    await this.startPod(pod);
  }

  private async startPod(pod: Obj) {
    const k = key(pod);
    const containers: any[] = pod.spec?.containers ?? [];
    const state: PodState = {
      uid: pod.metadata.uid!,
      startedAt: now(),
      readyAtMs: Infinity,
      image: containers[0]?.image ?? '',
    };
    this.pods.set(k, state);
    const missing = containers.find(c => !lookupImage(c.image));
    if (missing) {
      const message = `Failed to pull image "${missing.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${missing.image}": not found`;
      this.event(pod, 'Warning', 'Failed', message, 'kubelet');
      await this.writeStatus(pod, state, {
        waiting: { reason: 'ErrImagePull', message },
      });
      this.after(1000, () =>
        this.writeStatus(pod, state, {
          waiting: {
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${missing.image}"`,
          },
        }),
      );
      return;
    }
    state.ip = this.allocateIp();
    const ports = containers.flatMap((c: any) =>
      (c.ports ?? [])
        .filter((p: any) => (p.protocol ?? 'TCP') === 'TCP')
        .map((p: any) => p.containerPort as number),
    );
    const faults = () =>
      podFaults(
        this.current(pod) as KubeObject,
        this.workloadOf(pod) as KubeObject,
      );
    state.process = new PodProcess(state.ip, ports, () => ({
      ...podIdentity(this.current(pod) as KubeObject, this.html(pod)),
      faults: faults(),
      healthy: Boolean(state.ready),
    }));
    await state.process.start(true);
    state.process.log(
      `${
        podIdentity(this.current(pod) as KubeObject, this.html(pod)).greeting
      } listening on ${state.ip}:${[...state.process.boundPorts.values()].join(
        ',',
      )}`,
    );
    for (const reason of ['Pulled', 'Created', 'Started']) {
      const message = {
        Pulled: `Container image "${state.image}" already present on machine`,
        Created: `Created container: ${containers[0]?.name}`,
        Started: `Started container ${containers[0]?.name}`,
      }[reason]!;
      this.event(pod, 'Normal', reason, message, 'kubelet');
    }
    state.readyAtMs =
      Date.now() + this.options.readyDelayMs + faults().slowStartSeconds * 1000;
    state.ready = false;
    await this.writeStatus(pod, state, { running: true });
  }

  private current(pod: Obj): Obj {
    return (
      this.podsOnNode.get(pod.metadata.name, pod.metadata.namespace) ?? pod
    );
  }

  private probe(pod: Obj) {
    const state = this.pods.get(key(pod));
    if (!state?.process || state.stopping || pod.metadata.deletionTimestamp)
      return;
    const faults = podFaults(
      pod as KubeObject,
      this.workloadOf(pod) as KubeObject,
    );
    const ready = Date.now() >= state.readyAtMs && !faults.readinessFail;
    if (ready === state.ready) return;
    state.ready = ready;
    if (!ready)
      this.event(
        pod,
        'Warning',
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 503',
        'kubelet',
      );
    this.writeStatus(pod, state, { running: true }).catch(() => {
      state.ready = undefined; // written again on the next probe
    });
  }

  private async writeStatus(
    pod: Obj,
    state: PodState,
    container: {
      running?: true;
      waiting?: { reason: string; message: string };
    },
  ) {
    const ready = Boolean(container.running && state.ready);
    const t = now();
    const condition = (type: string, status: boolean) => ({
      type,
      status: status ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: t,
      ...(!status &&
        (type === 'Ready' || type === 'ContainersReady') && {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${pod.spec.containers
            .map((c: any) => c.name)
            .join(' ')}]`,
        }),
    });
    const status = {
      phase: container.running ? 'Running' : 'Pending',
      conditions: [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', true),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        condition('PodScheduled', true),
      ],
      hostIP: this.options.nodeIp,
      hostIPs: [{ ip: this.options.nodeIp }],
      ...(state.ip && { podIP: state.ip, podIPs: [{ ip: state.ip }] }),
      startTime: state.startedAt,
      qosClass: pod.status?.qosClass,
      containerStatuses: pod.spec.containers.map((c: any) => ({
        name: c.name,
        image: c.image,
        imageID: container.running ? `stand-in://${c.image}` : '',
        ...(container.running && {
          containerID: `stand-in://${randomBytes(8).toString('hex')}`,
        }),
        ready,
        started: Boolean(container.running),
        restartCount: 0,
        state: container.running
          ? { running: { startedAt: state.startedAt } }
          : { waiting: container.waiting },
      })),
    };
    const ns = pod.metadata.namespace!;
    await this.api.call(
      'PATCH',
      `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`,
      { metadata: { uid: pod.metadata.uid }, status },
      'application/merge-patch+json',
    );
  }

  private async terminate(pod: Obj) {
    const k = key(pod);
    const state = this.pods.get(k);
    if (state?.stopping) return;
    if (state) {
      state.stopping = true;
      this.event(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${pod.spec.containers[0]?.name}`,
        'kubelet',
      );
    }
    await this.forget(k);
    // The kubelet's last word: the containers are gone, the pod object may go.
    await this.api
      .request(
        'DELETE',
        `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`,
        {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        },
      )
      .catch(() => undefined);
  }

  private async forget(k: string) {
    const state = this.pods.get(k);
    if (!state) return;
    this.pods.delete(k);
    await state.process?.stop();
    if (state.ip) this.freeIps.push(state.ip);
  }

  private event(
    obj: Obj,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ) {
    const ns = obj.metadata.namespace ?? 'default';
    const t = now();
    this.api
      .request('POST', `/api/v1/namespaces/${ns}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: `${obj.metadata.name}.${randomBytes(8).toString('hex')}`,
          namespace: ns,
        },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: ns,
          name: obj.metadata.name,
          uid: obj.metadata.uid,
        },
        reason,
        message,
        type,
        source: {
          component,
          ...(component === 'kubelet' && { host: this.options.nodeName }),
        },
        firstTimestamp: t,
        lastTimestamp: t,
        count: 1,
      })
      .catch(() => undefined);
  }
}
