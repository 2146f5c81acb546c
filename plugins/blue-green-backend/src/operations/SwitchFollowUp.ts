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
 * What a switch sets in motion once it is in the cluster: a promote starts the post-promote watch
 * and schedules the scale-down of the color it left for after the watch (unless the strategy
 * scales down itself); a rollback cancels the scale-down and ends the running watch.
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

  /**
   * Both follow-ups of a switch, in parallel: the scale-down and the watch it leaves. `before`
   * is what the switch's observation saw, so that nothing is cancelled or stopped that was not
   * there (a scale-down or watch started meanwhile by another replica is harmless: neither ever
   * acts on the live color).
   */
  async after(
    context: EntityContext,
    run: { action: 'promote' | 'rollback' | 'auto-rollback'; to: Color },
    from: EntityStatus['live'],
    historyId: string,
    before: { scaleDown?: ScheduledScaleDown; watch?: StoredWatch },
    /** The watch a stepped promote started with its first step. */
    started?: StoredWatch,
    /** The workload promoted (`kind/name`). */
    promotedWorkload?: string,
  ): Promise<{ scaleDown?: ScheduledScaleDown; watch?: StoredWatch }> {
    const [scaleDown, watch] = await Promise.all([
      run.action === 'promote'
        ? this.#scheduleScaleDown(context, run.to, historyId, before, started)
        : before.scaleDown &&
          this.#scaleDowns.cancel(context.entityRef).then(() => undefined),
      started
        ? this.#watches.latest(context.entityRef)
        : this.#watch(
            context,
            run,
            from,
            historyId,
            before.watch,
            promotedWorkload,
          ),
    ]);
    return { scaleDown: scaleDown || undefined, watch };
  }

  async #scheduleScaleDown(
    context: EntityContext,
    promoted: Color,
    historyId: string,
    before: { scaleDown?: ScheduledScaleDown },
    started?: StoredWatch,
  ): Promise<ScheduledScaleDown | undefined> {
    if (context.strategy.capabilities.managesScaleDown) return undefined;
    const delayMs = scaleDownDelayOf(context.entity, this.#config.scaleDown);
    if (delayMs === undefined) {
      if (before.scaleDown) await this.#scaleDowns.cancel(context.entityRef);
      return undefined;
    }
    // The previous color is the way back while the watch runs: it is scaled down only once the
    // watch can have ended healthy (the job checks that it did).
    let watchEndsAt = 0;
    if (started) watchEndsAt = Date.parse(started.endsAt);
    else if (this.#config.watch.enabled) {
      watchEndsAt = Date.now() + this.#config.watch.durationMs;
    }
    const scaleDown: ScheduledScaleDown = {
      entityRef: context.entityRef,
      color: otherColor(promoted),
      replicas: this.#config.scaleDown.replicas,
      dueAt: new Date(Math.max(Date.now() + delayMs, watchEndsAt)),
      historyId,
    };
    await this.#scaleDowns.schedule(scaleDown);
    return scaleDown;
  }

  /**
   * The watch of a promote: stored when watches are on, else only the shape a stepped shift's
   * analysis evaluates (`persisted: false`).
   */
  async startWatch(
    context: EntityContext,
    run: { to: Color },
    from: EntityStatus['live'],
    historyId: string,
    promotedWorkload?: string,
  ): Promise<{ watch: StoredWatch; persisted: boolean }> {
    const watch = {
      entityRef: context.entityRef,
      historyId,
      promotedTo: run.to,
      promotedWorkload,
      previous: from === 'blue' || from === 'green' ? from : otherColor(run.to),
      autoRollback: autoRollbackOf(
        context.entity,
        this.#config.watch.autoRollback,
      ),
      durationMs: this.#config.watch.durationMs,
    };
    if (this.#config.watch.enabled) {
      return { watch: await this.#watches.start(watch), persisted: true };
    }
    const now = new Date();
    return {
      watch: {
        ...watch,
        id: `shift-${historyId}`,
        state: 'running',
        startedAt: now.toISOString(),
        endsAt: new Date(now.getTime() + watch.durationMs).toISOString(),
        criteria: [],
        failingSince: {},
        notified: [],
      },
      persisted: false,
    };
  }

  async #watch(
    context: EntityContext,
    run: { action: 'promote' | 'rollback' | 'auto-rollback'; to: Color },
    from: EntityStatus['live'],
    historyId: string,
    before?: StoredWatch,
    promotedWorkload?: string,
  ): Promise<StoredWatch | undefined> {
    if (run.action === 'promote') {
      if (!this.#config.watch.enabled) return undefined;
      return (
        await this.startWatch(context, run, from, historyId, promotedWorkload)
      ).watch;
    }
    if (run.action === 'rollback' && before?.state === 'running') {
      await this.#watches.stop(
        context.entityRef,
        'stopped',
        `rolled back by hand (${historyId})`,
      );
      return this.#watches.latest(context.entityRef);
    }
    return before;
  }
}
