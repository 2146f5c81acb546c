/**
 * Argo Rollouts blue/green controller (argo-rollouts rollout/bluegreen.go, service.go,
 * utils/rollout/rolloututil.go): active/preview Services switched by
 * `rollouts-pod-template-hash`, previewReplicaCount, BlueGreenPause with
 * autoPromotionEnabled/autoPromotionSeconds, promote / promoteFull / abort / retry / undo
 * as `kubectl argo rollouts` patches them, pre/post-promotion AnalysisRuns,
 * scaleDownDelaySeconds and abortScaleDownDelaySeconds, and the status fields and phase.
 */
import { STRATEGIC_MERGE_PATCH } from '../api/patch';
import { nowIso } from '../api/service';
import { KubeObject, StoreEvent } from '../api/store';
import { selectorString } from '../api/service';
import {
  Cluster,
  Controller,
  controllerOf,
  ownerRef,
  splitKey,
  templateHash,
} from './cluster';
import { templatesEqual } from './workloads';
import { analysisRunFor } from './analysis';

export const ROLLOUT_HASH = 'rollouts-pod-template-hash';
export const ROLLOUT_REVISION = 'rollout.argoproj.io/revision';
export const MANAGED_BY = 'argo-rollouts.argoproj.io/managed-by-rollouts';
export const SCALE_DOWN_DEADLINE = 'scale-down-deadline';
const RO = 'rollouts.argoproj.io';
const RS = 'replicasets.apps';

function rev(rs: KubeObject) {
  return Number(rs.metadata.annotations?.[ROLLOUT_REVISION] ?? 0) || 0;
}
function hashOf(rs: KubeObject | undefined) {
  return rs?.metadata.labels?.[ROLLOUT_HASH];
}

function setCond(
  conds: any[],
  type: string,
  status: string,
  reason: string,
  message: string,
) {
  const now = nowIso();
  const c = conds.find(x => x.type === type);
  if (c) {
    if (c.status !== status) c.lastTransitionTime = now;
    if (c.status !== status || c.reason !== reason || c.message !== message)
      c.lastUpdateTime = now;
    Object.assign(c, { status, reason, message });
  } else {
    conds.push({
      type,
      status,
      reason,
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    });
  }
}

export class RolloutController extends Controller {
  constructor(cluster: Cluster) {
    super(cluster);
    cluster.subscribe(e => this.onEvent(e));
    // Delays (autoPromotionSeconds, scale-down deadlines) need a clock.
    cluster.timers.every(500, () => {
      for (const r of cluster.store.objects(RO))
        this.enqueue(`${r.metadata.namespace}/${r.metadata.name}`);
    });
  }

  private onEvent(e: StoreEvent) {
    const ns = e.obj.metadata.namespace;
    if (e.typeKey === RO) this.enqueue(`${ns}/${e.obj.metadata.name}`);
    else if (e.typeKey === RS || e.typeKey === 'analysisruns.argoproj.io') {
      const o = controllerOf(e.obj);
      if (o?.kind === 'Rollout') this.enqueue(`${ns}/${o.name}`);
    }
  }

  reconcile(key: string) {
    const [ns, name] = splitKey(key);
    const c = this.cluster;
    const ro = c.store.peek(RO, ns, name)?.obj;
    if (!ro || ro.metadata.deletionTimestamp) return;
    const spec = ro.spec ?? {};
    const bg = spec.strategy?.blueGreen;
    const rsType = c.type(RS);
    const replicas: number = spec.replicas ?? 1;
    const status = JSON.parse(JSON.stringify(ro.status ?? {}));
    status.blueGreen ??= {};
    const conditions: any[] = status.conditions ?? [];
    const now = Date.now();

    if (!bg || !bg.activeService) {
      setCond(
        conditions,
        'InvalidSpec',
        'True',
        'InvalidSpec',
        bg
          ? 'spec.strategy.blueGreen.activeService: Required value'
          : 'The sandbox runs only blueGreen rollouts',
      );
      this.writeStatus(ro, {
        ...status,
        conditions,
        phase: 'Degraded',
        message: 'InvalidSpec',
        observedGeneration: String(ro.metadata.generation),
      });
      return;
    }

    let rsList = c.ownedBy(RS, ro.metadata.uid);
    const maxRev = Math.max(0, ...rsList.map(rev));
    let newRS = rsList.find(rs =>
      templatesEqual(rs.spec?.template, spec.template),
    );
    const podHash = newRS
      ? hashOf(newRS)!
      : templateHash(spec.template, status.collisionCount ?? 0);

    // A new revision starts over: the abort and pause state belong to the previous one.
    if (status.currentPodHash && status.currentPodHash !== podHash) {
      delete status.abort;
      delete status.abortedAt;
      delete status.pauseConditions;
      delete status.controllerPause;
      delete status.promoteFull;
      delete status.blueGreen.scaleUpPreviewCheckPoint;
      delete status.blueGreen.prePromotionAnalysisRunStatus;
      delete status.blueGreen.postPromotionAnalysisRunStatus;
      c.event(
        ro,
        'Normal',
        'RolloutUpdated',
        `Rollout updated to revision ${newRS ? rev(newRS) : maxRev + 1}`,
        'rollouts-controller',
      );
    }
    status.currentPodHash = podHash;

    if (!newRS) {
      const template = JSON.parse(JSON.stringify(spec.template ?? {}));
      template.metadata ??= {};
      template.metadata.labels = {
        ...(template.metadata.labels ?? {}),
        [ROLLOUT_HASH]: podHash,
      };
      const selector = JSON.parse(JSON.stringify(spec.selector ?? {}));
      selector.matchLabels = {
        ...(selector.matchLabels ?? {}),
        [ROLLOUT_HASH]: podHash,
      };
      newRS = c.api.create(rsType, ns, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${podHash}`,
          labels: { ...template.metadata.labels },
          annotations: { [ROLLOUT_REVISION]: String(maxRev + 1) },
          ownerReferences: [ownerRef(ro)],
        },
        spec: {
          replicas: 0,
          ...(spec.minReadySeconds
            ? { minReadySeconds: spec.minReadySeconds }
            : {}),
          selector,
          template,
        },
      }).obj;
      rsList = [...rsList, newRS];
      setCond(
        conditions,
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        `Created new replica set "${newRS.metadata.name}"`,
      );
    } else if (rev(newRS) < maxRev) {
      // undo: an old template comes back under a new revision.
      newRS = c.api.update(rsType, ns, newRS.metadata.name, o => {
        o.metadata.annotations = {
          ...(o.metadata.annotations ?? {}),
          [ROLLOUT_REVISION]: String(maxRev + 1),
        };
        delete o.metadata.annotations[SCALE_DOWN_DEADLINE];
        return o;
      }).obj;
    }

    const byHash = (h: string | undefined) =>
      h ? rsList.find(rs => hashOf(rs) === h) : undefined;
    let stable = byHash(status.stableRS);
    const firstDeploy = !status.stableRS || !stable;
    const scale = (rs: KubeObject, to: number) => {
      if ((rs.spec?.replicas ?? 0) === to) return;
      const from = rs.spec?.replicas ?? 0;
      const updated = c.api.update(rsType, ns, rs.metadata.name, o => {
        o.spec.replicas = to;
        if (to > 0 && o.metadata.annotations?.[SCALE_DOWN_DEADLINE])
          delete o.metadata.annotations[SCALE_DOWN_DEADLINE];
        return o;
      }).obj;
      rs.spec = updated.spec;
      rs.metadata = updated.metadata;
      c.event(
        ro,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${to > from ? 'up' : 'down'} ReplicaSet ${
          rs.metadata.name
        } (revision ${rev(rs)}) from ${from} to ${to}`,
        'rollouts-controller',
      );
    };
    const available = (rs: KubeObject | undefined) =>
      rs?.status?.availableReplicas ?? 0;
    const switchService = (
      svcName: string | undefined,
      hash: string,
      field: 'activeSelector' | 'previewSelector',
    ) => {
      if (!svcName) return;
      const svc = c.store.peek('services', ns, svcName)?.obj;
      if (!svc) return;
      if (
        svc.spec?.selector?.[ROLLOUT_HASH] !== hash ||
        svc.metadata.annotations?.[MANAGED_BY] !== name
      ) {
        const from = svc.spec?.selector?.[ROLLOUT_HASH] ?? '';
        c.api.patch(
          c.type('services'),
          ns,
          svcName,
          STRATEGIC_MERGE_PATCH,
          JSON.stringify({
            metadata: { annotations: { [MANAGED_BY]: name } },
            spec: { selector: { [ROLLOUT_HASH]: hash } },
          }),
        );
        c.event(
          ro,
          'Normal',
          'SwitchService',
          `Switched selector for service '${svcName}' from '${from}' to '${hash}'`,
          'rollouts-controller',
        );
      }
      status.blueGreen[field] = hash;
    };

    const aborted =
      status.abort === true &&
      !firstDeploy &&
      hashOf(newRS) !== status.stableRS;
    if (spec.paused) {
      // Manually paused: nothing progresses.
    } else if (firstDeploy) {
      scale(newRS, replicas);
      if (available(newRS) >= replicas) {
        switchService(bg.activeService, podHash, 'activeSelector');
        switchService(bg.previewService, podHash, 'previewSelector');
        status.stableRS = podHash;
        stable = newRS;
      } else {
        // Services point at the only revision as soon as it exists.
        if (!status.blueGreen.activeSelector)
          switchService(bg.activeService, podHash, 'activeSelector');
        if (!status.blueGreen.previewSelector)
          switchService(bg.previewService, podHash, 'previewSelector');
      }
    } else if (hashOf(newRS) === status.stableRS) {
      // Steady state, or a fast rollback to the stable revision (undo).
      scale(newRS, replicas);
      switchService(bg.activeService, podHash, 'activeSelector');
      switchService(bg.previewService, podHash, 'previewSelector');
      delete status.pauseConditions;
      delete status.controllerPause;
      delete status.promoteFull;
      delete status.abort;
      delete status.abortedAt;
      delete status.blueGreen.scaleUpPreviewCheckPoint;
    } else if (aborted) {
      switchService(bg.activeService, status.stableRS, 'activeSelector');
      if (stable) scale(stable, replicas);
      if (!status.abortedAt) {
        status.abortedAt = nowIso();
        c.event(
          ro,
          'Warning',
          'RolloutAborted',
          `Rollout aborted update to revision ${rev(newRS)}`,
          'rollouts-controller',
        );
      }
      delete status.pauseConditions;
      delete status.controllerPause;
      const delay = bg.abortScaleDownDelaySeconds ?? 30;
      if (delay > 0 && (newRS.spec?.replicas ?? 0) > 0) {
        this.scaleDownAfter(
          newRS,
          Date.parse(status.abortedAt) + delay * 1000,
          now,
          scale,
        );
      }
      setCond(
        conditions,
        'Progressing',
        'False',
        'RolloutAborted',
        `Rollout aborted update to revision ${rev(newRS)}`,
      );
    } else {
      delete status.abort;
      delete status.abortedAt;
      const promoted =
        status.blueGreen.scaleUpPreviewCheckPoint === true ||
        status.promoteFull === true;
      const previewCount =
        bg.previewReplicaCount && !promoted ? bg.previewReplicaCount : replicas;
      scale(newRS, previewCount);
      if (stable) scale(stable, replicas);
      switchService(bg.previewService, podHash, 'previewSelector');
      if (!status.blueGreen.activeSelector)
        status.blueGreen.activeSelector = status.stableRS;
      const previewReady = available(newRS) >= previewCount;
      let proceed = false;
      if (previewReady && !promoted) {
        const pre = this.analysis(ro, newRS, stable, 'pre', status);
        if (status.promoteFull) proceed = true;
        else if (pre === 'Failed' || pre === 'Error') {
          status.abort = true;
        } else if (pre === 'Inconclusive') {
          this.pause(ro, status, 'InconclusiveAnalysisRun');
        } else if (pre === 'Running' || pre === 'Pending') {
          // wait for the analysis
        } else {
          const wantPause =
            bg.autoPromotionEnabled === false ||
            (bg.autoPromotionSeconds ?? 0) > 0;
          if (!wantPause) proceed = true;
          else if (!status.controllerPause)
            this.pause(ro, status, 'BlueGreenPause');
          else if (!(status.pauseConditions ?? []).length)
            proceed = true; // promoted by the user
          else if ((bg.autoPromotionSeconds ?? 0) > 0) {
            const since = Date.parse(status.pauseConditions[0].startTime);
            if (now >= since + bg.autoPromotionSeconds * 1000) {
              delete status.pauseConditions;
              proceed = true;
            }
          }
        }
      }
      if (proceed) {
        status.blueGreen.scaleUpPreviewCheckPoint = true;
        delete status.pauseConditions;
        scale(newRS, replicas);
        c.event(
          ro,
          'Normal',
          'RolloutResumed',
          'Rollout is resumed',
          'rollouts-controller',
        );
      }
      if (
        (status.blueGreen.scaleUpPreviewCheckPoint || status.promoteFull) &&
        available(newRS) >= replicas
      ) {
        switchService(bg.activeService, podHash, 'activeSelector');
        const post = status.promoteFull
          ? 'Successful'
          : this.analysis(ro, newRS, stable, 'post', status);
        if (post === 'Failed' || post === 'Error') {
          status.abort = true;
        } else if (post === 'Successful' || post === undefined) {
          status.stableRS = podHash;
          stable = newRS;
          delete status.promoteFull;
          delete status.controllerPause;
          delete status.blueGreen.scaleUpPreviewCheckPoint;
          c.event(
            ro,
            'Normal',
            'RolloutCompleted',
            `Rollout completed update to revision ${rev(
              newRS,
            )} (${podHash}): Rollout is healthy`,
            'rollouts-controller',
          );
        }
      }
    }

    // Older ReplicaSets scale down after scaleDownDelaySeconds; beyond revisionHistoryLimit they go.
    const keep = new Set(
      [hashOf(newRS), status.stableRS, status.blueGreen.activeSelector].filter(
        Boolean,
      ),
    );
    for (const rs of rsList) {
      if (keep.has(hashOf(rs)) || (rs.spec?.replicas ?? 0) === 0) continue;
      const delay = bg.scaleDownDelaySeconds ?? 30;
      this.scaleDownAfter(rs, undefined, now, scale, delay);
    }
    const idle = rsList
      .filter(
        rs =>
          !keep.has(hashOf(rs)) &&
          (rs.spec?.replicas ?? 0) === 0 &&
          (rs.status?.replicas ?? 0) === 0,
      )
      .sort((a, b) => rev(a) - rev(b));
    const limit = spec.revisionHistoryLimit ?? 10;
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
      c.api.delete(rsType, ns, rs.metadata.name);

    // Status.
    const active = byHash(status.blueGreen.activeSelector) ?? stable ?? newRS;
    const sum = (f: (rs: KubeObject) => number) =>
      rsList.reduce((n, rs) => n + f(rs), 0);
    status.replicas = sum(rs => rs.status?.replicas ?? 0);
    status.updatedReplicas = newRS.status?.replicas ?? 0;
    status.readyReplicas = sum(rs => rs.status?.readyReplicas ?? 0);
    status.availableReplicas = active?.status?.availableReplicas ?? 0;
    status.HPAReplicas = active?.status?.replicas ?? 0;
    status.selector = selectorString({
      matchLabels: {
        ...(spec.selector?.matchLabels ?? {}),
        ...(status.blueGreen.activeSelector
          ? { [ROLLOUT_HASH]: status.blueGreen.activeSelector }
          : {}),
      },
      matchExpressions: spec.selector?.matchExpressions,
    });
    status.observedGeneration = String(ro.metadata.generation);
    for (const k of [
      'replicas',
      'updatedReplicas',
      'readyReplicas',
      'availableReplicas',
      'HPAReplicas',
    ])
      if (!status[k]) delete status[k];

    if (available(active) >= Math.min(replicas, 1) || replicas === 0)
      setCond(
        conditions,
        'Available',
        'True',
        'AvailableReason',
        'Rollout has minimum availability',
      );
    else
      setCond(
        conditions,
        'Available',
        'False',
        'AvailableReason',
        'Rollout does not have minimum availability',
      );
    const paused = spec.paused || (status.pauseConditions ?? []).length > 0;
    if (paused)
      setCond(
        conditions,
        'Paused',
        'True',
        'RolloutPaused',
        'Rollout is paused',
      );
    else if (conditions.some(x => x.type === 'Paused'))
      setCond(
        conditions,
        'Paused',
        'False',
        'RolloutResumed',
        'Rollout is resumed',
      );
    const complete =
      status.stableRS === podHash &&
      (newRS.status?.availableReplicas ?? 0) >= replicas;
    if (!(status.abort && status.abortedAt)) {
      if (complete)
        setCond(
          conditions,
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`,
        );
      else if (paused)
        setCond(
          conditions,
          'Progressing',
          'Unknown',
          'RolloutPaused',
          'Rollout is paused',
        );
      else if (
        !conditions.some(
          x =>
            x.type === 'Progressing' &&
            x.reason === 'NewReplicaSetCreated' &&
            x.message.includes(newRS!.metadata.name),
        )
      ) {
        setCond(
          conditions,
          'Progressing',
          'True',
          'ReplicaSetUpdated',
          `ReplicaSet "${newRS.metadata.name}" is progressing.`,
        );
      }
    }
    setCond(
      conditions,
      'Completed',
      complete ? 'True' : 'False',
      complete ? 'RolloutCompleted' : 'RolloutNotCompleted',
      complete
        ? `Rollout completed update to revision ${rev(newRS)}`
        : `Rollout not completed, started update to revision ${rev(newRS)}`,
    );
    status.conditions = conditions;
    const [phase, message] = this.phase(ro, status);
    status.phase = phase;
    status.message = message;
    setCond(
      conditions,
      'Healthy',
      phase === 'Healthy' ? 'True' : 'False',
      phase === 'Healthy' ? 'RolloutHealthy' : 'RolloutHealthy',
      phase === 'Healthy' ? 'Rollout is healthy' : 'Rollout is not healthy',
    );
    if (!message) delete status.message;
    this.writeStatus(ro, status);
  }

  private scaleDownAfter(
    rs: KubeObject,
    deadlineMs: number | undefined,
    now: number,
    scale: (rs: KubeObject, to: number) => void,
    delaySeconds = 30,
  ) {
    const c = this.cluster;
    const existing = rs.metadata.annotations?.[SCALE_DOWN_DEADLINE];
    if (!existing) {
      const at = new Date(deadlineMs ?? now + delaySeconds * 1000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      const updated = c.api.update(
        c.type(RS),
        rs.metadata.namespace,
        rs.metadata.name,
        o => {
          o.metadata.annotations = {
            ...(o.metadata.annotations ?? {}),
            [SCALE_DOWN_DEADLINE]: at,
          };
          return o;
        },
      ).obj;
      rs.metadata = updated.metadata;
      return;
    }
    // Second granularity in the annotation; compare with a little slack.
    if (Date.parse(existing) <= now + 499) {
      scale(rs, 0);
      c.api.update(c.type(RS), rs.metadata.namespace, rs.metadata.name, o => {
        delete o.metadata.annotations?.[SCALE_DOWN_DEADLINE];
        return o;
      });
    }
  }

  private pause(ro: KubeObject, status: any, reason: string) {
    status.pauseConditions = [{ reason, startTime: nowIso() }];
    status.controllerPause = true;
    this.cluster.event(
      ro,
      'Normal',
      'RolloutPaused',
      `Rollout is paused (${reason})`,
      'rollouts-controller',
    );
  }

  /** Starts or reads the pre/post-promotion AnalysisRun; undefined when none is configured. */
  private analysis(
    ro: KubeObject,
    newRS: KubeObject,
    stable: KubeObject | undefined,
    kind: 'pre' | 'post',
    status: any,
  ): string | undefined {
    const spec =
      ro.spec.strategy.blueGreen[
        kind === 'pre' ? 'prePromotionAnalysis' : 'postPromotionAnalysis'
      ];
    if (!spec?.templates?.length) return undefined;
    const field =
      kind === 'pre'
        ? 'prePromotionAnalysisRunStatus'
        : 'postPromotionAnalysisRunStatus';
    const c = this.cluster;
    const ns = ro.metadata.namespace!;
    const runName = `${ro.metadata.name}-${hashOf(newRS)}-${rev(
      newRS,
    )}-${kind}`;
    let run = c.store.peek('analysisruns.argoproj.io', ns, runName)?.obj;
    if (!run) {
      const body = analysisRunFor(
        c,
        ro,
        spec,
        runName,
        hashOf(newRS)!,
        hashOf(stable) ?? '',
        kind,
      );
      if (!body) {
        status.blueGreen[field] = {
          name: runName,
          status: 'Error',
          message: 'AnalysisTemplate not found',
        };
        return 'Error';
      }
      run = c.api.create(c.type('analysisruns.argoproj.io'), ns, body).obj;
      c.event(
        ro,
        'Normal',
        'AnalysisRunRunning',
        `Analysis Run '${runName}' Status New: 'Running' Previous: ''`,
        'rollouts-controller',
      );
    }
    const phase = run.status?.phase ?? 'Pending';
    status.blueGreen[field] = {
      name: runName,
      status: phase,
      ...(run.status?.message ? { message: run.status.message } : {}),
    };
    return phase;
  }

  private phase(ro: KubeObject, status: any): [string, string] {
    const conds: any[] = status.conditions ?? [];
    const inv = conds.find(
      x => x.type === 'InvalidSpec' && x.status === 'True',
    );
    if (inv) return ['Degraded', `InvalidSpec: ${inv.message}`];
    const prog = conds.find(x => x.type === 'Progressing');
    if (prog?.reason === 'RolloutAborted')
      return ['Degraded', `RolloutAborted: ${prog.message}`];
    if (prog?.reason === 'ProgressDeadlineExceeded')
      return ['Degraded', `ProgressDeadlineExceeded: ${prog.message}`];
    if (ro.spec?.paused) return ['Paused', 'manually paused'];
    if ((status.pauseConditions ?? []).length)
      return ['Paused', status.pauseConditions[0].reason];
    const want = ro.spec?.replicas ?? 1;
    if ((status.updatedReplicas ?? 0) < want)
      return ['Progressing', 'more replicas need to be updated'];
    if ((status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0))
      return ['Progressing', 'updated replicas are still becoming available'];
    if (
      !status.blueGreen?.activeSelector ||
      status.blueGreen.activeSelector !== status.currentPodHash
    )
      return ['Progressing', 'active service cutover pending'];
    if (!status.stableRS || status.stableRS !== status.currentPodHash)
      return ['Progressing', 'waiting for analysis to complete'];
    return ['Healthy', ''];
  }

  private writeStatus(ro: KubeObject, status: any) {
    this.cluster.api.update(
      this.cluster.type(RO),
      ro.metadata.namespace,
      ro.metadata.name,
      o => {
        // Keep what users patched meanwhile is impossible here: reads and writes are synchronous.
        o.status = status;
        return o;
      },
      { subresource: 'status' },
    );
  }
}
