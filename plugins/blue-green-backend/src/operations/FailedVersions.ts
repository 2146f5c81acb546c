import { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import {
  FailedVersionRecord,
  FailedVersionStore,
} from '../database/FailedVersionStore';
import { SignOffStore } from '../database/SignOffStore';
import { versionKey } from '../decisions/revision';
import { EntityPlace } from '../entities/EntityResolver';
import { ChecklistReader } from '../observation/ChecklistReader';
import { OperationRecorder } from './OperationRecorder';

/**
 * Marks a rolled-back version failed: promoting it again then needs a new version or force, and
 * the sign-offs it had are withdrawn (recorded in the history with the rollback's reason), so
 * nobody promotes it again on a checklist that was true before it failed.
 */
export class FailedVersions {
  readonly #store: FailedVersionStore;
  readonly #signOffs: SignOffStore;
  readonly #checklists: ChecklistReader;
  readonly #recorder: OperationRecorder;

  constructor(options: {
    store: FailedVersionStore;
    signOffs: SignOffStore;
    checklists: ChecklistReader;
    recorder: OperationRecorder;
  }) {
    this.#store = options.store;
    this.#signOffs = options.signOffs;
    this.#checklists = options.checklists;
    this.#recorder = options.recorder;
  }

  /** The version `color` ran in `snapshot` (before the rollback) failed. */
  async mark(
    place: EntityPlace,
    snapshot: StrategySnapshot,
    color: Color,
    rollback: { historyId: string; actor: string; reason: string },
  ): Promise<FailedVersionRecord | undefined> {
    const status = snapshot.colors[color];
    if (!status.workload) return undefined;
    const key = versionKey(snapshot, color);
    const { entityRef } = place;
    const record: FailedVersionRecord = {
      versionKey: key,
      color,
      version: status.version,
      images: status.images,
      reason: rollback.reason,
      historyId: rollback.historyId,
      by: rollback.actor,
      at: new Date().toISOString(),
    };
    await this.#store.mark(entityRef, record);
    const withdrawn = await this.#signOffs.withdrawVersion(entityRef, {
      color,
      version: key,
    });
    this.#checklists.forget(entityRef);
    if (withdrawn.length > 0) {
      await this.#recorder.done(
        {
          entityRef,
          action: 'sign-off-withdrawn',
          actor: rollback.actor,
          reason: `${
            status.version ?? status.images.join(', ')
          } on ${color} was rolled back: ${rollback.reason}`,
          forced: false,
          to: color,
          details: {
            items: withdrawn,
            version: status.version,
            rollback: rollback.historyId,
          },
        },
        { eventId: 'checklist-sign-off', severityLevel: 'medium' },
      );
    }
    return record;
  }

  /** A failed version promoted anyway (forced) whose watch passed is no longer failed. */
  async clear(
    place: EntityPlace,
    snapshot: StrategySnapshot,
    color: Color,
  ): Promise<boolean> {
    return this.#store.clear(place.entityRef, versionKey(snapshot, color));
  }
}
