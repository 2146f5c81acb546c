import {
  Color,
  EntityStatus,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { BlueGreenConfig } from '../config';
import { ScaleDownStore, ScheduledScaleDown } from '../database/ScaleDownStore';
import { StoredWatch, WatchStore } from '../database/WatchStore';
import { autoRollbackOf, scaleDownDelayOf } from '../decisions/checkSettings';
import { EntityContext } from '../entities/EntityResolver';

/**
 * What a switch sets in motion once it is in the cluster: a promote schedules the scale-down of
 * the color it left (unless the strategy scales down itself) and starts the post-promote watch; a
 * rollback cancels the scale-down and ends the running watch.
 */
export class SwitchFollowUp {
  readonly #scaleDowns: ScaleDownStore;
  readonly #watches: WatchStore;
  readonly #config: BlueGreenConfig;

  constructor(options: {
    scaleDowns: ScaleDownStore;
    watches: WatchStore;
    config: BlueGreenConfig;
  }) {
    this.#scaleDowns = options.scaleDowns;
    this.#watches = options.watches;
    this.#config = options.config;
  }

  /** Both follow-ups of a switch, in parallel: the scale-down and the watch it leaves. */
  async after(
    context: EntityContext,
    run: { action: 'promote' | 'rollback' | 'auto-rollback'; to: Color },
    from: EntityStatus['live'],
    historyId: string,
  ): Promise<{ scaleDown?: ScheduledScaleDown; watch?: StoredWatch }> {
    const [scaleDown, watch] = await Promise.all([
      run.action === 'promote'
        ? this.#scheduleScaleDown(context, run.to, historyId)
        : this.#scaleDowns.cancel(context.entityRef).then(() => undefined),
      this.#watch(context, run, from, historyId),
    ]);
    return { scaleDown, watch };
  }

  async #scheduleScaleDown(
    context: EntityContext,
    promoted: Color,
    historyId: string,
  ): Promise<ScheduledScaleDown | undefined> {
    if (context.strategy.capabilities.managesScaleDown) return undefined;
    const delayMs = scaleDownDelayOf(context.entity, this.#config.scaleDown);
    if (delayMs === undefined) {
      await this.#scaleDowns.cancel(context.entityRef);
      return undefined;
    }
    const scaleDown: ScheduledScaleDown = {
      entityRef: context.entityRef,
      color: otherColor(promoted),
      replicas: this.#config.scaleDown.replicas,
      dueAt: new Date(Date.now() + delayMs),
      historyId,
    };
    await this.#scaleDowns.schedule(scaleDown);
    return scaleDown;
  }

  async #watch(
    context: EntityContext,
    run: { action: 'promote' | 'rollback' | 'auto-rollback'; to: Color },
    from: EntityStatus['live'],
    historyId: string,
  ): Promise<StoredWatch | undefined> {
    if (run.action === 'promote') {
      if (!this.#config.watch.enabled) return undefined;
      return this.#watches.start({
        entityRef: context.entityRef,
        historyId,
        promotedTo: run.to,
        previous:
          from === 'blue' || from === 'green' ? from : otherColor(run.to),
        autoRollback: autoRollbackOf(
          context.entity,
          this.#config.watch.autoRollback,
        ),
        durationMs: this.#config.watch.durationMs,
      });
    }
    if (run.action === 'rollback') {
      await this.#watches.stop(
        context.entityRef,
        'stopped',
        `rolled back by hand (${historyId})`,
      );
    }
    return this.#watches.latest(context.entityRef);
  }
}
