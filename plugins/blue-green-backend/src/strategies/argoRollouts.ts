import { ConflictError, InputError, isError } from '@backstage/errors';
import {
  BlueGreenTarget,
  Color,
  COLORS,
  ColorStatus,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { StrategySnapshot, SwitchStrategyHandler } from './types';
import {
  missingColor,
  pollUntil,
  selectorString,
  summarizePod,
  templateImages,
  templateVersion,
} from './workloads';

/** Label the Rollouts controller puts on its ReplicaSets and pods (argo-rollouts types.go). */
export const POD_HASH_LABEL = 'rollouts-pod-template-hash';
const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';

type Objects = {
  rollout?: KubeObject;
  replicaSets: KubeObject[];
  pods: KubeObject[];
  /** The ReplicaSet behind each color, when there is one. */
  colorSets: Partial<Record<Color, KubeObject>>;
};

const hashOf = (rs: KubeObject | undefined) =>
  rs?.metadata.labels?.[POD_HASH_LABEL];
const revisionOf = (rs: KubeObject) =>
  Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);

/**
 * Argo Rollouts has no colors: it has a stable and a new ReplicaSet. Colors alternate with the
 * revision number (odd = blue, even = green), so the new revision always takes the idle color and
 * a color keeps its meaning from one request to the next.
 */
function assignColors(
  rollout: KubeObject,
  replicaSets: KubeObject[],
): Partial<Record<Color, KubeObject>> {
  const byHash = (hash?: string) =>
    hash ? replicaSets.find(rs => hashOf(rs) === hash) : undefined;
  const stable = byHash(rollout.status?.stableRS);
  const current = byHash(rollout.status?.currentPodHash);
  const parity = (rs: KubeObject): Color =>
    revisionOf(rs) % 2 === 1 ? 'blue' : 'green';

  let pair: KubeObject[];
  if (stable && current && stable !== current) {
    pair = [stable, current];
  } else {
    const live = current ?? stable;
    const previous = replicaSets
      .filter(rs => rs !== live)
      .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    pair = [live, previous].filter(Boolean) as KubeObject[];
  }
  const result: Partial<Record<Color, KubeObject>> = {};
  const [first, second] = pair;
  if (first) result[parity(first)] = first;
  if (second)
    result[
      result[parity(second)] ? otherColor(parity(first)) : parity(second)
    ] = second;
  return result;
}

function rolloutState(rollout: KubeObject | undefined) {
  const status = rollout?.status ?? {};
  return {
    stableRS: status.stableRS as string | undefined,
    currentPodHash: status.currentPodHash as string | undefined,
    activeSelector: status.blueGreen?.activeSelector as string | undefined,
    previewSelector: status.blueGreen?.previewSelector as string | undefined,
    paused:
      (status.pauseConditions ?? []).length > 0 ||
      Boolean(rollout?.spec?.paused),
    aborted: Boolean(status.abort),
  };
}

async function waitForRollout(
  kube: KubeClient,
  target: BlueGreenTarget,
  timeoutMs: number,
  done: (rollout: KubeObject) => boolean,
): Promise<KubeObject | undefined> {
  const result = await pollUntil(async () => {
    const rollout = await kube.get(
      KUBE_RESOURCES.rollouts,
      target.namespace,
      target.rollout!,
    );
    return { done: Boolean(rollout && done(rollout)), rollout };
  }, timeoutMs);
  return result.done ? result.rollout : undefined;
}

/** The status patch `kubectl argo rollouts promote [--full]` sends, plus a resourceVersion precondition. */
function promotePatches(rollout: KubeObject, full: boolean) {
  const rv = { resourceVersion: rollout.metadata.resourceVersion };
  const status: Record<string, unknown> = {};
  if (full) {
    if (rollout.status?.currentPodHash !== rollout.status?.stableRS) {
      status.promoteFull = true;
    }
  } else if ((rollout.status?.pauseConditions ?? []).length > 0) {
    status.pauseConditions = null;
  }
  return {
    status: Object.keys(status).length ? { metadata: rv, status } : undefined,
    spec: rollout.spec?.paused ? { spec: { paused: false } } : undefined,
  };
}

/**
 * Seed 001 §3: an Argo Rollout with active and preview Services and `autoPromotionEnabled: false`.
 * Promote and rollback send exactly what `kubectl argo rollouts promote | promote --full | abort |
 * retry | undo` send, each with a resourceVersion precondition so a concurrent change is refused.
 */
export const argoRolloutsStrategy: SwitchStrategyHandler<Objects> = {
  strategy: 'argo-rollouts',

  async read(kube, target) {
    const rollout = await kube.get(
      KUBE_RESOURCES.rollouts,
      target.namespace,
      target.rollout!,
    );
    const problems: string[] = [];
    if (!rollout) {
      problems.push(
        `Rollout ${target.namespace}/${target.rollout} does not exist (is Argo Rollouts installed?)`,
      );
    }
    const labelSelector = rollout?.spec?.selector
      ? selectorString(rollout.spec.selector)
      : undefined;
    const [replicaSets, pods] = labelSelector
      ? await Promise.all([
          kube
            .list(KUBE_RESOURCES.replicasets, target.namespace, {
              labelSelector,
            })
            .then(l =>
              l.items.filter(rs =>
                rs.metadata.ownerReferences?.some(
                  o => o.uid === rollout!.metadata.uid,
                ),
              ),
            ),
          kube
            .list(KUBE_RESOURCES.pods, target.namespace, { labelSelector })
            .then(l => l.items),
        ])
      : [[], []];
    const colorSets = rollout ? assignColors(rollout, replicaSets) : {};
    const objects: Objects = { rollout, replicaSets, pods, colorSets };
    const state = rolloutState(rollout);
    const blueGreen = rollout?.spec?.strategy?.blueGreen;
    if (rollout && !blueGreen) {
      problems.push(
        `Rollout ${target.rollout} does not use the blueGreen strategy`,
      );
    }

    const liveColor = COLORS.find(
      c =>
        state.activeSelector && hashOf(colorSets[c]) === state.activeSelector,
    );
    const colors = Object.fromEntries(
      COLORS.map(color => {
        const rs = colorSets[color];
        const role = liveColor === color ? 'live' : 'idle';
        if (!rs) return [color, missingColor(color, role)];
        const hash = hashOf(rs);
        const status: ColorStatus = {
          color,
          role,
          weight: role === 'live' ? 100 : 0,
          workload: {
            kind: 'ReplicaSet',
            name: rs.metadata.name,
            podTemplateHash: hash,
            revision: rs.metadata.annotations?.[REVISION_ANNOTATION],
          },
          version: templateVersion(rs.spec?.template),
          images: templateImages(rs.spec?.template),
          replicas: {
            desired: rs.spec?.replicas ?? 0,
            ready: rs.status?.readyReplicas ?? 0,
            available: rs.status?.availableReplicas ?? 0,
          },
          pods: pods
            .filter(p => p.metadata.labels?.[POD_HASH_LABEL] === hash)
            .map(summarizePod),
        };
        if (
          role === 'idle' &&
          blueGreen?.previewService &&
          state.previewSelector === hash
        ) {
          status.preview = {
            description: `Service ${blueGreen.previewService} selects this revision`,
          };
        }
        return [color, status];
      }),
    ) as StrategySnapshot['colors'];

    return {
      objects,
      live: liveColor ?? 'none',
      colors,
      details: {
        strategy: 'argo-rollouts',
        rollout: target.rollout!,
        phase: rollout?.status?.phase,
        message: rollout?.status?.message,
        paused: state.paused,
        aborted: state.aborted,
        stableRS: state.stableRS,
        currentPodHash: state.currentPodHash,
        activeSelector: state.activeSelector,
        previewSelector: state.previewSelector,
        activeService: blueGreen?.activeService ?? target.service,
        previewService: blueGreen?.previewService ?? target.previewService,
      },
      problems,
      raw: {
        templates: {
          blue: colorSets.blue?.spec?.template,
          green: colorSets.green?.spec?.template,
        },
        pods: {
          blue: pods.filter(
            p =>
              p.metadata.labels?.[POD_HASH_LABEL] === hashOf(colorSets.blue) &&
              hashOf(colorSets.blue),
          ),
          green: pods.filter(
            p =>
              p.metadata.labels?.[POD_HASH_LABEL] === hashOf(colorSets.green) &&
              hashOf(colorSets.green),
          ),
        },
      },
      state,
    };
  },

  refusals(snapshot, action, to) {
    const { rollout, colorSets } = snapshot.objects;
    if (!rollout) return ['the Rollout does not exist'];
    const state = rolloutState(rollout);
    const targetHash = hashOf(colorSets[to]);
    if (!targetHash) {
      return [
        `Rollout ${rollout.metadata.name} has no ${to} revision to switch to`,
      ];
    }
    if (action === 'promote') {
      if (state.currentPodHash === state.stableRS) {
        return [
          `no new revision is waiting: revision ${
            colorSets[to]!.metadata.annotations?.[REVISION_ANNOTATION]
          } is not the Rollout's current revision (set a new image first: kubectl argo rollouts set image)`,
        ];
      }
      if (targetHash !== state.currentPodHash) {
        return [`${to} is not the Rollout's new revision`];
      }
    }
    return [];
  },

  async switchTo(kube, target, snapshot, plan, sent) {
    const rollout = snapshot.objects.rollout!;
    const targetRs = snapshot.objects.colorSets[plan.to]!;
    const targetHash = hashOf(targetRs)!;
    const state = rolloutState(rollout);
    const patchRollout = async (
      body: object,
      subresource: 'status' | undefined,
      description: string,
      type: 'merge' | 'json' = 'merge',
    ) => {
      const written = await kube.patch(
        KUBE_RESOURCES.rollouts,
        target.namespace,
        target.rollout!,
        body,
        { type, subresource },
      );
      sent.push({
        description,
        patch: body,
        resourceVersion: written.metadata.resourceVersion,
      });
    };
    const timeoutMs = 60_000;

    const promote = async (current: KubeObject, full: boolean) => {
      const patches = promotePatches(current, full);
      if (patches.status) {
        await patchRollout(
          patches.status,
          'status',
          `kubectl argo rollouts promote${
            full ? ' --full' : ''
          }: PATCH rollouts/${target.rollout}/status`,
        );
      }
      if (patches.spec) {
        await patchRollout(
          patches.spec,
          undefined,
          `kubectl argo rollouts promote: PATCH rollouts/${target.rollout}`,
        );
      }
    };

    if (plan.action === 'promote') {
      let current = rollout;
      if (state.aborted) {
        // `kubectl argo rollouts retry rollout`: the new revision goes back to preview and pauses.
        await patchRollout(
          {
            metadata: { resourceVersion: rollout.metadata.resourceVersion },
            status: { abort: false },
          },
          'status',
          `kubectl argo rollouts retry rollout: PATCH rollouts/${target.rollout}/status`,
        );
        const paused = await waitForRollout(
          kube,
          target,
          timeoutMs,
          r => (r.status?.pauseConditions ?? []).length > 0 && !r.status?.abort,
        );
        if (!paused) {
          throw new ConflictError(
            `Rollout ${target.rollout} did not pause again after retry within ${timeoutMs} ms`,
          );
        }
        current = paused;
      }
      await promote(current, Boolean(plan.full));
      return;
    }

    // Rollback (and automatic rollback).
    if (
      state.currentPodHash !== state.stableRS &&
      targetHash === state.stableRS
    ) {
      // The new revision is not stable yet (paused, or in post-promotion analysis):
      // `kubectl argo rollouts abort` sends traffic back to the stable ReplicaSet.
      await patchRollout(
        {
          metadata: { resourceVersion: rollout.metadata.resourceVersion },
          status: { abort: true },
        },
        'status',
        `kubectl argo rollouts abort: PATCH rollouts/${target.rollout}/status`,
      );
      return;
    }

    // Fully promoted: `kubectl argo rollouts undo` puts the previous revision's template back …
    const template = JSON.parse(JSON.stringify(targetRs.spec.template));
    delete template.metadata?.labels?.[POD_HASH_LABEL];
    await patchRollout(
      [
        { op: 'test', path: '/spec/template', value: rollout.spec.template },
        { op: 'replace', path: '/spec/template', value: template },
      ],
      undefined,
      `kubectl argo rollouts undo: PATCH rollouts/${target.rollout}`,
      'json',
    );
    // … and, with autoPromotionEnabled: false, the Rollout pauses before switching: promote it.
    const tookBack = (r: KubeObject) =>
      r.status?.currentPodHash === targetHash &&
      ((r.status?.pauseConditions ?? []).length > 0 ||
        r.status?.blueGreen?.activeSelector === targetHash);
    let waiting = await waitForRollout(kube, target, timeoutMs, tookBack);
    if (!waiting) {
      throw new ConflictError(
        `Rollout ${target.rollout} did not take revision ${targetRs.metadata.annotations?.[REVISION_ANNOTATION]} back within ${timeoutMs} ms`,
      );
    }
    // The controller writes the Rollout's status several times as it pauses, so the promote's
    // resourceVersion can be stale already: a conflict here is the controller, not another switch.
    // Read again and promote while the Rollout still waits on the revision this rollback put back.
    for (let attempt = 1; ; attempt++) {
      if (waiting.status?.blueGreen?.activeSelector === targetHash) break;
      try {
        await promote(waiting, false);
        break;
      } catch (error) {
        if (!isError(error) || error.name !== 'ConflictError' || attempt >= 5)
          throw error;
        const again = await waitForRollout(kube, target, timeoutMs, tookBack);
        if (!again) throw error;
        waiting = again;
      }
    }
  },

  async verify(kube, target, _snapshot, to, timeoutMs) {
    const first = await argoRolloutsStrategy.read(kube, target);
    const hash = hashOf(first.objects.colorSets[to]);
    const rollout = await waitForRollout(
      kube,
      target,
      timeoutMs,
      r => Boolean(hash) && r.status?.blueGreen?.activeSelector === hash,
    );
    if (!rollout) {
      return {
        verified: false,
        message: `Rollout ${target.rollout} did not point its active Service at ${to} (${hash}) within ${timeoutMs} ms`,
      };
    }
    const service = await kube.get(
      KUBE_RESOURCES.services,
      target.namespace,
      rollout.spec.strategy.blueGreen.activeService,
    );
    const selected = service?.spec?.selector?.[POD_HASH_LABEL];
    return selected === hash
      ? {
          verified: true,
          message: `Service ${
            service!.metadata.name
          } selects ${to} (${POD_HASH_LABEL}=${hash}); Rollout phase ${
            rollout.status?.phase ?? 'unknown'
          }`,
        }
      : {
          verified: false,
          message: `Rollout reports ${to} active but Service ${rollout.spec.strategy.blueGreen.activeService} selects ${selected}`,
        };
  },

  async scale() {
    throw new InputError(
      'Argo Rollouts sizes its ReplicaSets itself; change spec.replicas or previewReplicaCount on the Rollout, or its scaleDownDelaySeconds',
    );
  },
};
