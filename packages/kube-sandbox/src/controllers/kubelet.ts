/**
 * The scheduler and the kubelet of the sandbox's single node: binds pods within the
 * node's capacity (FailedScheduling otherwise), "pulls" known images (ImagePullBackOff
 * otherwise), starts a real loopback HTTP listener per pod, probes readiness, and plays
 * crash loops, OOM kills and graceful termination, writing pod status and Events as the
 * real components do.
 */
import { createHash } from 'crypto';
import { nowIso } from '../api/service';
import { KubeObject, StoreEvent } from '../api/store';
import { lookupImage } from '../runtime/images';
import { PodFaults, podFaults } from '../runtime/faultAnnotations';
import { LogOptions, PodProcess, PodView } from '../runtime/podProcess';
import { Cluster, controllerOf, amount, randomHex } from './cluster';
import { podRequests } from '@bluegreen-backstage/plugin-blue-green-node';

type ContainerPhase =
  | 'creating'
  | 'pulling'
  | 'image-backoff'
  | 'running'
  | 'crash-backoff'
  | 'terminated';

interface PodState {
  ns: string;
  name: string;
  uid: string;
  ip?: string;
  phase: ContainerPhase;
  waitingReason?: string;
  waitingMessage?: string;
  image: string;
  restarts: number;
  backoffs: number;
  containerId: string;
  startedAt?: string;
  runningSinceMs?: number;
  readyAtMs?: number;
  ready: boolean;
  everReady: boolean;
  lastTermination?: {
    reason: string;
    exitCode: number;
    startedAt: string;
    finishedAt: string;
    containerID: string;
  };
  conditionTimes: Record<string, string>;
  startTime?: string;
  process?: PodProcess;
  timers: Set<NodeJS.Timeout>;
  terminating: boolean;
  cpuSeconds: number;
  cpuUpdatedMs: number;
  lastRequests: number;
}

export interface PodSample {
  namespace: string;
  pod: string;
  container: string;
  cpuSeconds: number;
  memoryBytes: number;
  restarts: number;
  lastTerminatedReason?: string;
  limits: { cpu?: number; memory?: number };
  requests: { cpu?: number; memory?: number };
  ready: boolean;
  phase: string;
}

function podKey(ns: string, name: string) {
  return `${ns}/${name}`;
}

function qosClass(pod: KubeObject): string {
  const cs: any[] = pod.spec?.containers ?? [];
  const any = cs.some(
    c =>
      Object.keys(c.resources?.requests ?? {}).length ||
      Object.keys(c.resources?.limits ?? {}).length,
  );
  if (!any) return 'BestEffort';
  const guaranteed = cs.every(c => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? l;
    return (
      l.cpu &&
      l.memory &&
      amount(r.cpu) === amount(l.cpu) &&
      amount(r.memory) === amount(l.memory)
    );
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Greeting and version of a pod, from its `version` label or image tag. */
export function podIdentity(pod: KubeObject, html?: string) {
  const image: string = pod.spec?.containers?.[0]?.image ?? '';
  const info = lookupImage(image);
  const repo = (info?.repository ?? image).split('/').pop() ?? image;
  const tag = info?.tag ?? 'latest';
  const versionLabel = pod.metadata.labels?.version;
  const version = versionLabel ?? tag;
  const shown = versionLabel ?? (repo === 'my-app' ? `v${tag}` : tag);
  return {
    version,
    color: pod.metadata.labels?.color ?? '',
    greeting: html ?? `Hello from ${repo} ${shown}`,
  };
}

export class Kubelet {
  private readonly pods = new Map<string, PodState>();
  private readonly pending = new Set<string>();
  /** Requests of the pods bound to the node and not finished, by pod key, and their sum. */
  private readonly requests = new Map<
    string,
    { cpuCores: number; memoryBytes: number }
  >();
  private readonly usage = { cpu: 0, memory: 0, pods: 0 };

  constructor(private readonly cluster: Cluster) {
    cluster.subscribe(e => this.onEvent(e));
    if (cluster.options.probePeriodMs) {
      cluster.timers.every(cluster.options.probePeriodMs, () =>
        this.probeAll(),
      );
    }
    cluster.timers.every(1000, () => this.retryScheduling());
  }

  private onEvent(e: StoreEvent) {
    if (e.typeKey !== 'pods') return;
    this.account(e);
    const key = podKey(e.obj.metadata.namespace!, e.obj.metadata.name);
    if (e.type === 'DELETED') {
      this.pending.delete(key);
      const st = this.pods.get(key);
      if (st) this.teardown(st);
      this.pods.delete(key);
      setImmediate(() => this.retryScheduling());
      return;
    }
    // Coalesce to the next tick: status writes of our own come back here.
    setImmediate(() => this.sync(key));
  }

  private workloadOf(pod: KubeObject): KubeObject | undefined {
    const rsRef = controllerOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return undefined;
    const rs = this.cluster.store.peek(
      'replicasets.apps',
      pod.metadata.namespace,
      rsRef.name,
    )?.obj;
    const wRef = rs && controllerOf(rs);
    if (!wRef) return undefined;
    const typeKey = (
      {
        Rollout: 'rollouts.argoproj.io',
        Deployment: 'deployments.apps',
      } as Record<string, string>
    )[wRef.kind];
    return typeKey
      ? this.cluster.store.peek(typeKey, pod.metadata.namespace, wRef.name)?.obj
      : undefined;
  }

  faultsOf(pod: KubeObject): PodFaults {
    return podFaults(pod, this.workloadOf(pod));
  }

  private sync(key: string) {
    const c = this.cluster;
    if (c.timers.isStopped) return;
    const [ns, name] = [
      key.slice(0, key.indexOf('/')),
      key.slice(key.indexOf('/') + 1),
    ];
    const pod = c.store.peek('pods', ns, name)?.obj;
    if (!pod) return;
    let st = this.pods.get(key);
    if (st && st.uid !== pod.metadata.uid) {
      this.teardown(st);
      this.pods.delete(key);
      st = undefined;
    }
    if (pod.metadata.deletionTimestamp) {
      if (!st) {
        c.timers.after(0, () => c.api.finalizePod(ns, name));
        return;
      }
      if (!st.terminating) this.terminate(st, pod);
      return;
    }
    if (!pod.spec?.nodeName) {
      this.schedule(pod);
      return;
    }
    if (!st) {
      this.startPod(pod);
      return;
    }
    const image = pod.spec?.containers?.[0]?.image ?? '';
    if (image !== st.image && !st.terminating) {
      // Pod images are mutable: the kubelet restarts the container with the new image.
      st.image = image;
      this.killContainer(st, pod, undefined);
      this.pull(st);
    }
  }

  // --- scheduling -------------------------------------------------------------------

  /** What the node's scheduled pods request, kept up to date from the store's events. */
  private account(e: StoreEvent) {
    const key = podKey(e.obj.metadata.namespace!, e.obj.metadata.name);
    const counted =
      e.type !== 'DELETED' &&
      Boolean(e.obj.spec?.nodeName) &&
      !['Succeeded', 'Failed'].includes(e.obj.status?.phase);
    const before = this.requests.get(key);
    if (before) {
      this.usage.cpu -= before.cpuCores;
      this.usage.memory -= before.memoryBytes;
      this.usage.pods--;
      this.requests.delete(key);
    }
    if (counted) {
      const r = podRequests(e.obj);
      this.usage.cpu += r.cpuCores;
      this.usage.memory += r.memoryBytes;
      this.usage.pods++;
      this.requests.set(key, r);
    }
  }

  private schedule(pod: KubeObject) {
    const c = this.cluster;
    const cap = c.options.nodeCapacity;
    const want = podRequests(pod);
    const used = this.usage;
    const reasons: string[] = [];
    if (used.cpu + want.cpuCores > amount(cap.cpu) + 1e-9)
      reasons.push('Insufficient cpu');
    if (used.memory + want.memoryBytes > amount(cap.memory))
      reasons.push('Insufficient memory');
    if (used.pods + 1 > cap.pods) reasons.push('Too many pods');
    const key = podKey(pod.metadata.namespace!, pod.metadata.name);
    const podsType = c.type('pods');
    if (reasons.length) {
      const message = `0/1 nodes are available: ${reasons
        .map(r => `1 ${r}`)
        .join(
          ', ',
        )}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`;
      const already = (pod.status?.conditions ?? []).find(
        (x: any) => x.type === 'PodScheduled',
      );
      if (!this.pending.has(key) || already?.message !== message) {
        c.event(
          pod,
          'Warning',
          'FailedScheduling',
          message,
          'default-scheduler',
        );
        c.api.update(
          podsType,
          pod.metadata.namespace,
          pod.metadata.name,
          o => {
            o.status = {
              phase: 'Pending',
              conditions: [
                {
                  type: 'PodScheduled',
                  status: 'False',
                  lastProbeTime: null,
                  lastTransitionTime: already?.lastTransitionTime ?? nowIso(),
                  reason: 'Unschedulable',
                  message,
                },
              ],
              qosClass: qosClass(o),
            };
            return o;
          },
          { subresource: 'status' },
        );
      }
      this.pending.add(key);
      return;
    }
    this.pending.delete(key);
    c.api.update(podsType, pod.metadata.namespace, pod.metadata.name, o => {
      o.spec.nodeName = c.options.nodeName;
      return o;
    });
    c.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${c.options.nodeName}`,
      'default-scheduler',
    );
  }

  private retryScheduling() {
    for (const key of [...this.pending]) {
      const [ns, name] = [
        key.slice(0, key.indexOf('/')),
        key.slice(key.indexOf('/') + 1),
      ];
      const pod = this.cluster.store.peek('pods', ns, name)?.obj;
      if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) {
        this.pending.delete(key);
        continue;
      }
      this.schedule(pod);
    }
  }

  // --- container lifecycle ------------------------------------------------------------

  private after(st: PodState, ms: number, fn: () => void) {
    const h = this.cluster.timers.after(ms, () => {
      st.timers.delete(h!);
      if (!st.terminating) fn();
    });
    if (h) st.timers.add(h);
  }

  private clearTimers(st: PodState) {
    for (const h of st.timers) this.cluster.timers.cancel(h);
    st.timers.clear();
  }

  private startPod(pod: KubeObject) {
    const c = this.cluster;
    const key = podKey(pod.metadata.namespace!, pod.metadata.name);
    const st: PodState = {
      ns: pod.metadata.namespace!,
      name: pod.metadata.name,
      uid: pod.metadata.uid!,
      ip: c.podIps.allocate(),
      phase: 'creating',
      image: pod.spec?.containers?.[0]?.image ?? '',
      restarts: 0,
      backoffs: 0,
      containerId: randomHex(64),
      ready: false,
      everReady: false,
      conditionTimes: {},
      startTime: nowIso(),
      timers: new Set(),
      terminating: false,
      cpuSeconds: 0,
      cpuUpdatedMs: Date.now(),
      lastRequests: 0,
    };
    this.pods.set(key, st);
    this.writeStatus(st);
    this.pull(st);
  }

  private podOf(st: PodState) {
    const pod = this.cluster.store.peek('pods', st.ns, st.name)?.obj;
    return pod && pod.metadata.uid === st.uid ? pod : undefined;
  }

  private pull(st: PodState) {
    const c = this.cluster;
    const d = c.options.podReadyDelayMs;
    st.phase = 'pulling';
    this.after(st, Math.round(d * 0.2), () => {
      const pod = this.podOf(st);
      if (!pod) return;
      const info = lookupImage(st.image);
      const container = pod.spec?.containers?.[0]?.name ?? 'app';
      if (!info) {
        c.event(
          pod,
          'Normal',
          'Pulling',
          `Pulling image "${st.image}"`,
          'kubelet',
        );
        c.event(
          pod,
          'Warning',
          'Failed',
          `Failed to pull image "${st.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${st.image}": not found`,
          'kubelet',
        );
        c.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
        st.phase = 'image-backoff';
        st.waitingReason = 'ErrImagePull';
        st.waitingMessage = `rpc error: code = NotFound desc = failed to pull and unpack image "${st.image}": not found`;
        this.writeStatus(st);
        this.after(st, c.options.backoffBaseMs, () => {
          const p = this.podOf(st);
          if (!p) return;
          st.waitingReason = 'ImagePullBackOff';
          st.waitingMessage = `Back-off pulling image "${st.image}"`;
          c.event(
            p,
            'Normal',
            'BackOff',
            `Back-off pulling image "${st.image}"`,
            'kubelet',
          );
          c.event(p, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet');
          this.writeStatus(st);
          st.backoffs++;
          this.after(st, this.backoff(st), () => this.pull(st));
        });
        return;
      }
      c.event(
        pod,
        'Normal',
        'Pulled',
        `Container image "${st.image}" already present on machine`,
        'kubelet',
      );
      c.event(
        pod,
        'Normal',
        'Created',
        `Created container: ${container}`,
        'kubelet',
      );
      this.after(st, Math.round(d * 0.2), () => this.startContainer(st));
    });
  }

  private backoff(st: PodState) {
    const base = this.cluster.options.backoffBaseMs;
    return Math.min(base * 2 ** Math.max(0, st.backoffs - 1), base * 10);
  }

  private async startContainer(st: PodState) {
    const c = this.cluster;
    const pod = this.podOf(st);
    if (!pod || st.terminating) return;
    const container = pod.spec?.containers?.[0]?.name ?? 'app';
    st.phase = 'running';
    st.waitingReason = undefined;
    st.waitingMessage = undefined;
    st.startedAt = nowIso();
    st.runningSinceMs = Date.now();
    st.containerId = randomHex(64);
    const faults = this.faultsOf(pod);
    st.readyAtMs =
      Date.now() +
      Math.round(c.options.podReadyDelayMs * 0.6) +
      faults.slowStartSeconds * 1000;
    c.event(
      pod,
      'Normal',
      'Started',
      `Started container ${container}`,
      'kubelet',
    );
    if (c.options.listeners && !st.process) {
      const ports: number[] = [];
      for (const ct of pod.spec?.containers ?? [])
        for (const p of ct.ports ?? []) ports.push(p.containerPort);
      let proc = new PodProcess(st.ip!, ports, () => this.view(st));
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await proc.start(attempt < 5);
            break;
          } catch (e) {
            await proc.stop();
            if (
              attempt >= 5 ||
              (e as NodeJS.ErrnoException).code !== 'EADDRINUSE'
            )
              throw e;
            // Another process holds this address and port: the pod moves to the next address.
            st.ip = c.podIps.allocateElsewhere();
            proc = new PodProcess(st.ip, ports, () => this.view(st));
          }
        }
        st.process = proc;
        proc.log(
          `${this.view(st).greeting} listening on ${st.ip}:${[
            ...proc.boundPorts.values(),
          ].join(',')}`,
        );
      } catch (e) {
        proc.log(`listen failed: ${(e as Error).message}`);
      }
      if (st.terminating) {
        await proc.stop();
        return;
      }
    }
    this.writeStatus(st);
    this.armFaults(st, pod);
    this.after(st, Math.max(0, st.readyAtMs - Date.now()), () =>
      this.probe(st),
    );
  }

  private armFaults(st: PodState, pod: KubeObject) {
    const f = this.faultsOf(pod);
    if (f.crashLoop) {
      this.after(
        st,
        Math.max(100, Math.round(this.cluster.options.podReadyDelayMs * 0.3)),
        () => this.crash(st, 'Error', 1),
      );
    } else if (f.oomAfterSeconds !== undefined && f.oomAfterSeconds >= 0) {
      this.after(st, f.oomAfterSeconds * 1000, () =>
        this.crash(st, 'OOMKilled', 137),
      );
    }
  }

  private view(st: PodState): PodView {
    const pod = this.podOf(st);
    if (!pod)
      return {
        color: '',
        version: '',
        greeting: 'gone',
        faults: podFaults({ metadata: { name: '' } } as any),
        healthy: false,
      };
    const faults = this.faultsOf(pod);
    const id = podIdentity(pod, this.nginxHtml(pod));
    return {
      ...id,
      faults,
      healthy:
        st.phase === 'running' &&
        !faults.readinessFail &&
        Date.now() >= (st.readyAtMs ?? Infinity),
    };
  }

  /** nginx serves index.html from a ConfigMap mounted at /usr/share/nginx/html (seed 002). */
  private nginxHtml(pod: KubeObject): string | undefined {
    const ct = pod.spec?.containers?.[0];
    if (!String(ct?.image ?? '').includes('nginx')) return undefined;
    const mount = (ct.volumeMounts ?? []).find(
      (m: any) => m.mountPath === '/usr/share/nginx/html',
    );
    const vol =
      mount && (pod.spec.volumes ?? []).find((v: any) => v.name === mount.name);
    const cm =
      vol?.configMap?.name &&
      this.cluster.store.peek(
        'configmaps',
        pod.metadata.namespace,
        vol.configMap.name,
      )?.obj;
    return cm?.data?.['index.html'];
  }

  private crash(st: PodState, reason: 'Error' | 'OOMKilled', exitCode: number) {
    const c = this.cluster;
    const pod = this.podOf(st);
    if (!pod || st.phase !== 'running' || st.terminating) return;
    const container = pod.spec?.containers?.[0]?.name ?? 'app';
    if (reason === 'OOMKilled') {
      c.event(
        pod,
        'Warning',
        'OOMKilling',
        `Memory cgroup out of memory: Killed process 1 (${container}) total-vm:${Math.round(
          this.memoryOf(st, pod) / 1024,
        )}kB, anon-rss:${Math.round(this.memoryOf(st, pod) / 1024)}kB`,
        'kernel-monitor',
      );
    }
    this.killContainer(st, pod, { reason, exitCode });
    st.restarts++;
    st.backoffs++;
    st.phase = 'crash-backoff';
    const wait = this.backoff(st);
    st.waitingReason = 'CrashLoopBackOff';
    st.waitingMessage = `back-off ${Math.round(
      wait / 1000,
    )}s restarting failed container=${container} pod=${st.name}_${st.ns}(${
      st.uid
    })`;
    c.event(
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${container} in pod ${st.name}_${st.ns}(${st.uid})`,
      'kubelet',
    );
    this.writeStatus(st);
    this.after(st, wait, () => {
      const p = this.podOf(st);
      if (!p) return;
      c.event(
        p,
        'Normal',
        'Pulled',
        `Container image "${st.image}" already present on machine`,
        'kubelet',
      );
      c.event(
        p,
        'Normal',
        'Created',
        `Created container: ${container}`,
        'kubelet',
      );
      this.startContainer(st);
    });
  }

  private killContainer(
    st: PodState,
    pod: KubeObject,
    term?: { reason: string; exitCode: number },
  ) {
    this.clearTimers(st);
    if (term && st.startedAt) {
      st.lastTermination = {
        reason: term.reason,
        exitCode: term.exitCode,
        startedAt: st.startedAt,
        finishedAt: nowIso(),
        containerID: `containerd://${st.containerId}`,
      };
    }
    st.ready = false;
    st.runningSinceMs = undefined;
    const proc = st.process;
    st.process = undefined;
    proc?.stop();
    void pod;
  }

  private terminate(st: PodState, pod: KubeObject) {
    const c = this.cluster;
    st.terminating = true;
    this.clearTimers(st);
    const container = pod.spec?.containers?.[0]?.name ?? 'app';
    if (st.phase === 'running')
      c.event(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${container}`,
        'kubelet',
      );
    st.ready = false;
    this.writeStatus(st);
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    const wait = Math.min(grace, c.options.podTerminationDelayMs);
    c.timers.after(wait, () => {
      st.process?.stop();
      st.process = undefined;
      c.api.finalizePod(st.ns, st.name);
    });
  }

  private teardown(st: PodState) {
    this.clearTimers(st);
    st.terminating = true;
    st.process?.stop();
    st.process = undefined;
    if (st.ip) this.cluster.podIps.release(st.ip);
  }

  // --- probes -------------------------------------------------------------------------

  private probeAll() {
    for (const st of this.pods.values()) this.probe(st, true);
  }

  private probe(st: PodState, periodic = false) {
    const c = this.cluster;
    if (st.phase !== 'running' || st.terminating) return;
    const pod = this.podOf(st);
    if (!pod) return;
    if (Date.now() < (st.readyAtMs ?? Infinity)) {
      // The first probe must not be lost to a timer firing early (the wall clock and the
      // timers' clock can differ by a millisecond): a periodic probe would find it up to a
      // period later.
      if (!periodic && st.readyAtMs) {
        this.after(st, st.readyAtMs - Date.now(), () => this.probe(st));
      }
      return;
    }
    const f = this.faultsOf(pod);
    if (f.crashLoop) {
      // Turned on after start (annotation on the workload): crash on the next probe.
      this.crash(st, 'Error', 1);
      return;
    }
    if (
      f.oomAfterSeconds !== undefined &&
      st.runningSinceMs &&
      Date.now() - st.runningSinceMs >= f.oomAfterSeconds * 1000
    ) {
      this.crash(st, 'OOMKilled', 137);
      return;
    }
    const ready = !f.readinessFail;
    if (!ready && periodic) {
      c.event(
        pod,
        'Warning',
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 503',
        'kubelet',
      );
    }
    if (ready !== st.ready) {
      st.ready = ready;
      if (ready) st.everReady = true;
      this.writeStatus(st);
    }
  }

  // --- status -------------------------------------------------------------------------

  private writeStatus(st: PodState) {
    const c = this.cluster;
    const pod = this.podOf(st);
    if (!pod) return;
    const now = nowIso();
    const cond = (
      type: string,
      ok: boolean,
      reason?: string,
      message?: string,
    ) => {
      const k = `${type}=${ok}`;
      if (!st.conditionTimes[k]) {
        st.conditionTimes[k] = now;
        delete st.conditionTimes[`${type}=${!ok}`];
      }
      return {
        type,
        status: ok ? 'True' : 'False',
        lastProbeTime: null,
        lastTransitionTime: st.conditionTimes[k],
        ...(reason ? { reason, message } : {}),
      };
    };
    const containers: any[] = pod.spec?.containers ?? [];
    const ready = st.ready && st.phase === 'running' && !st.terminating;
    const names = containers.map(x => x.name).join(' ');
    const notReady = ready
      ? {}
      : {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${names}]`,
        };
    const info = lookupImage(st.image);
    const digest = createHash('sha256').update(st.image).digest('hex');
    let state: Record<string, unknown> = {
      waiting: {
        reason: st.waitingReason ?? 'ContainerCreating',
        ...(st.waitingMessage ? { message: st.waitingMessage } : {}),
      },
    };
    if (st.phase === 'running')
      state = { running: { startedAt: st.startedAt } };
    else if (st.phase === 'terminated')
      state = {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: st.startedAt,
          finishedAt: now,
        },
      };
    const containerStatuses = containers.map(ct => ({
      name: ct.name,
      state,
      lastState: st.lastTermination ? { terminated: st.lastTermination } : {},
      ready,
      restartCount: st.restarts,
      image:
        ct.image === st.image && info
          ? `docker.io/library/${info.repository}:${info.tag}`
          : ct.image,
      imageID:
        info && st.phase !== 'pulling' && st.phase !== 'image-backoff'
          ? `docker.io/library/${info.repository}@sha256:${digest}`
          : '',
      ...(st.phase === 'running' || st.lastTermination
        ? { containerID: `containerd://${st.containerId}` }
        : {}),
      started: st.phase === 'running',
    }));
    const status = {
      phase: st.phase === 'running' || st.restarts > 0 ? 'Running' : 'Pending',
      conditions: [
        cond('PodReadyToStartContainers', true),
        cond('Initialized', true),
        cond('Ready', ready, notReady.reason, notReady.message),
        cond('ContainersReady', ready, notReady.reason, notReady.message),
        cond('PodScheduled', true),
      ],
      hostIP: c.nodeIp,
      hostIPs: [{ ip: c.nodeIp }],
      podIP: st.ip,
      podIPs: [{ ip: st.ip }],
      startTime: st.startTime,
      containerStatuses,
      qosClass: qosClass(pod),
    };
    c.api.update(
      c.type('pods'),
      st.ns,
      st.name,
      o => {
        o.status = status;
        return o;
      },
      { subresource: 'status' },
    );
  }

  // --- what the runtime exposes --------------------------------------------------------

  process(ns: string, name: string): PodProcess | undefined {
    return this.pods.get(podKey(ns, name))?.process;
  }

  podIp(ns: string, name: string): string | undefined {
    return this.pods.get(podKey(ns, name))?.ip;
  }

  logs(ns: string, name: string, options?: LogOptions): string {
    return this.pods.get(podKey(ns, name))?.process?.logs(options) ?? '';
  }

  private memoryOf(st: PodState, pod: KubeObject): number {
    const info = lookupImage(st.image);
    const base = info?.baseMemoryBytes ?? 8 * 1024 * 1024;
    if (st.phase !== 'running' || !st.runningSinceMs) return 0;
    const limit = amount(pod.spec?.containers?.[0]?.resources?.limits?.memory);
    const f = this.faultsOf(pod);
    const growth = Math.min(
      64 * 1024 * 1024,
      (st.process?.requestCount ?? 0) * 256,
    );
    if (f.oomAfterSeconds && limit) {
      const t = Math.min(
        1,
        (Date.now() - st.runningSinceMs) / (f.oomAfterSeconds * 1000),
      );
      return Math.round(base + (limit - base) * t);
    }
    return base + growth;
  }

  /** cAdvisor / kube-state-metrics view of every pod. */
  samples(): PodSample[] {
    const out: PodSample[] = [];
    const now = Date.now();
    for (const st of this.pods.values()) {
      const pod = this.podOf(st);
      if (!pod) continue;
      const ct = pod.spec?.containers?.[0] ?? {};
      if (st.phase === 'running') {
        const reqs = st.process?.requestCount ?? 0;
        st.cpuSeconds +=
          ((now - st.cpuUpdatedMs) / 1000) * 0.002 +
          (reqs - st.lastRequests) * 0.0008;
        st.lastRequests = reqs;
      }
      st.cpuUpdatedMs = now;
      out.push({
        namespace: st.ns,
        pod: st.name,
        container: ct.name ?? 'app',
        cpuSeconds: st.cpuSeconds,
        memoryBytes: this.memoryOf(st, pod),
        restarts: st.restarts,
        lastTerminatedReason: st.lastTermination?.reason,
        limits: {
          cpu: ct.resources?.limits?.cpu
            ? amount(ct.resources.limits.cpu)
            : undefined,
          memory: ct.resources?.limits?.memory
            ? amount(ct.resources.limits.memory)
            : undefined,
        },
        requests: {
          cpu: ct.resources?.requests?.cpu
            ? amount(ct.resources.requests.cpu)
            : undefined,
          memory: ct.resources?.requests?.memory
            ? amount(ct.resources.requests.memory)
            : undefined,
        },
        ready: st.ready,
        phase: pod.status?.phase ?? 'Pending',
      });
    }
    return out;
  }

  async stop() {
    const procs = [...this.pods.values()]
      .map(st => st.process)
      .filter(Boolean) as PodProcess[];
    for (const st of this.pods.values()) {
      this.clearTimers(st);
      st.terminating = true;
      st.process = undefined;
    }
    await Promise.all(procs.map(p => p.stop()));
  }
}
