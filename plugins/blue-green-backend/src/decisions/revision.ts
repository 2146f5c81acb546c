import { Color, COLORS } from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { createHash } from 'node:crypto';

const digest = (value: unknown, length: number) =>
  createHash('sha256')
    .update(JSON.stringify(value))
    .digest('base64url')
    .slice(0, length);

/**
 * The revision token: a digest of everything a switch decision depends on (which color is live,
 * what each color runs, the strategy's state) — but not of replica counts, which move on their own.
 */
export function revisionOf(snapshot: StrategySnapshot): string {
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
  return digest([snapshot.live, colors, snapshot.state], 16);
}

/** The version a color's sign-offs belong to: its version label and images. */
export function versionKey(snapshot: StrategySnapshot, color: Color): string {
  const status = snapshot.colors[color];
  return `${status.version ?? 'unversioned'}@${digest(
    [status.version, status.images],
    12,
  )}`;
}
