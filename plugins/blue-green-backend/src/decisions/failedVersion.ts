import {
  Color,
  FailedVersion,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { FailedVersionRecord } from '../database/FailedVersionStore';
import { versionKey } from './revision';

/** The failed version `color` runs now, if the version it runs was rolled back. */
export function failedVersionOf(
  snapshot: StrategySnapshot,
  failed: FailedVersionRecord[] | undefined,
  color: Color | undefined,
): FailedVersion | undefined {
  if (!color || !failed?.length || !snapshot.colors[color].workload) {
    return undefined;
  }
  const key = versionKey(snapshot, color);
  const found = failed.find(f => f.versionKey === key);
  if (!found) return undefined;
  const { versionKey: _key, ...version } = found;
  return { ...version, color };
}

/** The forceable reason a failed version gives against promoting it again. */
export function failedVersionReason(failed: FailedVersion): string {
  const what = failed.version ?? failed.images.join(', ');
  return `${what} on ${failed.color} was rolled back at ${failed.at} (${failed.reason}): deploy a new version, or force`;
}
