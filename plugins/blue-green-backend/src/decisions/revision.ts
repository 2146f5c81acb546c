import {
  Color,
  COLORS,
  HistoryEntry,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { createHash } from 'node:crypto';

const digest = (value: unknown, length: number) =>
  createHash('sha256')
    .update(JSON.stringify(value))
    .digest('base64url')
    .slice(0, length);

/**
 * A digest of everything a switch decision depends on in the cluster: which color is live, what
 * each color runs, the strategy's state and the switched object's place in its history — but not
 * replica counts, which move on their own. Without `objectVersion`, the state alone: a write
 * undone by another leaves the same digest.
 */
export function stateDigest(
  snapshot: StrategySnapshot,
  options: { objectVersion?: boolean } = {},
): string {
  const colors = COLORS.map(c => {
    const s = snapshot.colors[c];
    return [
      c,
      s.weight,
      s.workload?.name,
      s.workload?.podTemplateHash,
      s.images,
    ];
  });
  const version =
    options.objectVersion === false ? null : snapshot.objectVersion ?? null;
  return digest([snapshot.live, colors, snapshot.state, version], 16);
}

/**
 * The revision token: the cluster's state (see {@link stateDigest}) and the last switch in the
 * history. It names one point in the entity's history, never a state: after a promote and a
 * rollback (A → B → A) the state may look the same again, but a token taken at the first A is
 * refused — a dialog left open, or a pipeline, cannot promote again the version just rolled back.
 */
export function revisionOf(
  snapshot: StrategySnapshot,
  lastSwitch?: Pick<HistoryEntry, 'id'>,
): string {
  return digest([stateDigest(snapshot), lastSwitch?.id ?? null], 16);
}

/** The version a color's sign-offs belong to: its version label and images. */
export function versionKey(snapshot: StrategySnapshot, color: Color): string {
  const status = snapshot.colors[color];
  return `${status.version ?? 'unversioned'}@${digest(
    [status.version, status.images],
    12,
  )}`;
}
