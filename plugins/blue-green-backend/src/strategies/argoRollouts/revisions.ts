import {
  BlueGreenTarget,
  Color,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { pollUntil } from '../workloads';

/** Label the Rollouts controller puts on its ReplicaSets and pods (argo-rollouts types.go). */
export const POD_HASH_LABEL = 'rollouts-pod-template-hash';
export const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';

/** What the Argo Rollouts strategy reads. */
export type RolloutObjects = {
  rollout?: KubeObject;
  replicaSets: KubeObject[];
  pods: KubeObject[];
  /** The ReplicaSet behind each color, when there is one. */
  colorSets: Partial<Record<Color, KubeObject>>;
  /** The active Service: where the live traffic goes. */
  service?: KubeObject;
};

/** A ReplicaSet's pod-template hash. */
export const hashOf = (rs: KubeObject | undefined) =>
  rs?.metadata.labels?.[POD_HASH_LABEL];
/** A ReplicaSet's revision number (the Rollout's, as its controller numbers them). */
export const revisionNumber = (rs: KubeObject) =>
  Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);

/**
 * Argo Rollouts has no colors: it has a stable and a new ReplicaSet. Of the two, the older
 * revision takes the color of its revision number's parity (odd = blue, even = green) and the
 * newer one the other color, so the new revision always takes the idle color and keeps it when it
 * is promoted (the pair is the same, only stable and new swap): a watch started by the promote
 * still finds its color live.
 */
export function assignColors(
  rollout: KubeObject,
  replicaSets: KubeObject[],
): Partial<Record<Color, KubeObject>> {
  const byHash = (hash?: string) =>
    hash ? replicaSets.find(rs => hashOf(rs) === hash) : undefined;
  const stable = byHash(rollout.status?.stableRS);
  const current = byHash(rollout.status?.currentPodHash);
  const parity = (rs: KubeObject): Color =>
    revisionNumber(rs) % 2 === 1 ? 'blue' : 'green';

  let pair: KubeObject[];
  if (stable && current && stable !== current) {
    pair = [stable, current];
  } else {
    const live = current ?? stable;
    const previous = replicaSets
      .filter(rs => rs !== live)
      .sort((a, b) => revisionNumber(b) - revisionNumber(a))[0];
    pair = [live, previous].filter(Boolean) as KubeObject[];
  }
  const [older, newer] = [...pair].sort(
    (a, b) => revisionNumber(a) - revisionNumber(b),
  );
  const result: Partial<Record<Color, KubeObject>> = {};
  if (older) result[parity(older)] = older;
  if (newer) result[otherColor(parity(older))] = newer;
  return result;
}

/** The Rollout's status facts a switch decision depends on. */
export function rolloutState(rollout: KubeObject | undefined) {
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

/** Polls the Rollout until `done` holds, or the timeout passes (then undefined). */
export async function waitForRollout(
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
