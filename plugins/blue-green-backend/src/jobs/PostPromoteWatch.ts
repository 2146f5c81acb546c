import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { Authorizer } from '../authorization/Authorizer';
import { StoredWatch, WatchStore } from '../database/WatchStore';
import { EntityResolver } from '../entities/EntityResolver';
import { Announcer, audienceOf } from '../operations/Announcer';
import { FailedVersions } from '../operations/FailedVersions';
import { actorOf, errorMessage } from '../operations/OperationRecorder';
import { SwitchService } from '../operations/SwitchService';
import { WatchEvaluator } from '../operations/WatchEvaluator';

/**
 * The post-promote watch, run by the scheduler once across backend replicas: evaluates every
 * running watch's rollback criteria; those that fire roll back (when the entity allows it) or
 * tell the owners; investigate criteria tell the owners once; a window that ends quietly passes.
 */
export class PostPromoteWatch {
  readonly #watches: WatchStore;
  readonly #resolver: EntityResolver;
  readonly #evaluator: WatchEvaluator;
  readonly #authorizer: Authorizer;
  readonly #switches: SwitchService;
  readonly #failedVersions: FailedVersions;
  readonly #announcer: Announcer;
  readonly #logger: LoggerService;

  constructor(options: {
    watches: WatchStore;
    resolver: EntityResolver;
    evaluator: WatchEvaluator;
    authorizer: Authorizer;
    switches: SwitchService;
    failedVersions: FailedVersions;
    announcer: Announcer;
    logger: LoggerService;
  }) {
    this.#watches = options.watches;
    this.#resolver = options.resolver;
    this.#evaluator = options.evaluator;
    this.#authorizer = options.authorizer;
    this.#switches = options.switches;
    this.#failedVersions = options.failedVersions;
    this.#announcer = options.announcer;
    this.#logger = options.logger;
  }

  async run(credentials: BackstageCredentials): Promise<void> {
    for (const watch of await this.#watches.running()) {
      try {
        await this.#evaluate(watch, credentials);
      } catch (error) {
        this.#logger.warn(
          `Watch of ${watch.entityRef} could not be evaluated: ${errorMessage(
            error,
          )}`,
        );
      }
    }
  }

  async #evaluate(
    stored: StoredWatch,
    credentials: BackstageCredentials,
  ): Promise<void> {
    const context = await this.#resolver.resolve(stored.entityRef, credentials);
    const { observation, verdict, watch } = await this.#evaluator.evaluate(
      context,
      stored,
    );
    const { snapshot } = observation;
    // A stepped shift that is still running evaluates its own watch at every step.
    if (
      watch.historyId &&
      observation.facts.inProgress?.id === watch.historyId
    ) {
      return;
    }
    if (snapshot.live !== watch.promotedTo) {
      await this.#watches.stop(
        watch.entityRef,
        'stopped',
        `${watch.promotedTo} is no longer live (live: ${snapshot.live})`,
      );
      return;
    }
    if (!(await this.#watches.saveEvaluation(watch.id, verdict.save))) return; // stopped meanwhile
    if (verdict.save.state === 'passed') {
      // A failed version promoted anyway (forced) proved itself: it is no longer failed.
      await this.#failedVersions.clear(context, snapshot, watch.promotedTo);
    }
    const name = context.entity.metadata.name;
    const notify = (notice: Parameters<Announcer['notifyOwners']>[2]) =>
      this.#announcer.notifyOwners(context.entity, context.entityRef, notice);
    if (verdict.investigate.length > 0) {
      await notify({
        title: `${name}: investigate ${watch.promotedTo}`,
        description: verdict.investigate
          .map(c => `${c.title}: ${c.observed} (${c.threshold})`)
          .join('; '),
        severity: 'high',
      });
    }
    if (verdict.rollback.length === 0) {
      const firing = (criteria: typeof watch.criteria) =>
        criteria
          .filter(c => c.firing)
          .map(c => c.id)
          .join();
      await this.#announcer.changed(
        context.entityRef,
        {
          watchId: watch.id,
          fleetUnchanged:
            !verdict.save.state &&
            firing(watch.criteria) === firing(verdict.save.criteria),
        },
        audienceOf(context.entity),
      );
      return;
    }
    if (!watch.autoRollback) {
      if (!watch.notified.includes('rollback')) {
        await this.#watches.saveEvaluation(watch.id, {
          ...verdict.save,
          notified: [...verdict.save.notified, 'rollback'],
        });
        await notify({
          title: `${name}: roll back ${watch.promotedTo}`,
          description: `Rollback criteria fire (automatic rollback is off): ${verdict.why}`,
          severity: 'critical',
        });
      }
      return;
    }
    // Only one evaluation (of one replica) rolls back.
    if (!(await this.#watches.claimRollback(watch.id))) return;
    const decision = observation.status.rollback;
    try {
      // Never forced: a previous color that is not ready, or a signed-off contract phase, needs a
      // person; the owners are told below.
      if (!decision.target || !decision.allowed) {
        throw new ConflictError(
          `automatic rollback impossible: ${decision.reasons.join('; ')}`,
        );
      }
      // The objects must still be this entity's: one rebound since the promote is left alone.
      await this.#authorizer.authorizeObjects(
        context,
        {
          entityRef: context.entityRef,
          action: 'auto-rollback',
          actor: actorOf(credentials),
          forced: false,
          to: decision.target,
        },
        snapshot,
      );
      await this.#switches.run(context, observation, {
        action: 'auto-rollback',
        actor: actorOf(credentials),
        reason: `automatic rollback: ${verdict.why}`,
        forced: false,
        to: decision.target,
        forcedReasons: [],
        request: {},
        evidence: verdict.evidence,
      });
      await this.#watches.finishRollback(
        watch.id,
        'rolled-back',
        `rolled back to ${decision.target}: ${verdict.why}`,
      );
    } catch (error) {
      await this.#watches.finishRollback(
        watch.id,
        'stopped',
        `automatic rollback failed: ${errorMessage(error)}`,
      );
      await notify({
        title: `${name}: automatic rollback failed`,
        description: `${verdict.why}. ${errorMessage(error)}`,
        severity: 'critical',
      });
    }
    await this.#announcer.changed(
      context.entityRef,
      { watchId: watch.id },
      audienceOf(context.entity),
    );
  }
}
