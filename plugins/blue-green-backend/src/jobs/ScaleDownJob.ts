import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Authorizer } from '../authorization/Authorizer';
import { ScaleDownStore } from '../database/ScaleDownStore';
import { WatchStore } from '../database/WatchStore';
import { EntityResolver } from '../entities/EntityResolver';
import { ObservationReader } from '../observation/ObservationReader';
import { audienceOf } from '../operations/Announcer';
import {
  actorOf,
  errorMessage,
  OperationRecorder,
} from '../operations/OperationRecorder';

/**
 * Scales down idle colors whose delay after a promote has passed, run by the scheduler once
 * across backend replicas. A color is only scaled if it is still idle and above the target, and
 * only once the promote's watch has ended healthy: while it runs the previous color is the way
 * back (the scale-down waits for its end), and a watch that did not pass keeps it.
 */
export class ScaleDownJob {
  readonly #scaleDowns: ScaleDownStore;
  readonly #watches: WatchStore;
  readonly #resolver: EntityResolver;
  readonly #observer: ObservationReader;
  readonly #authorizer: Authorizer;
  readonly #recorder: OperationRecorder;
  readonly #logger: LoggerService;

  constructor(options: {
    scaleDowns: ScaleDownStore;
    watches: WatchStore;
    resolver: EntityResolver;
    observer: ObservationReader;
    authorizer: Authorizer;
    recorder: OperationRecorder;
    logger: LoggerService;
  }) {
    this.#scaleDowns = options.scaleDowns;
    this.#watches = options.watches;
    this.#resolver = options.resolver;
    this.#observer = options.observer;
    this.#authorizer = options.authorizer;
    this.#recorder = options.recorder;
    this.#logger = options.logger;
  }

  async run(credentials: BackstageCredentials): Promise<void> {
    for (const due of await this.#scaleDowns.due(new Date())) {
      const watch = await this.#watches.latest(due.entityRef);
      if (watch?.state === 'running') {
        await this.#scaleDowns.schedule({
          ...due,
          dueAt: new Date(
            Math.max(Date.parse(watch.endsAt), Date.now() + 5000),
          ),
        });
        continue;
      }
      await this.#scaleDowns.cancel(due.entityRef);
      if (
        watch &&
        watch.historyId === due.historyId &&
        watch.state !== 'passed'
      ) {
        this.#logger.info(
          `Kept ${due.color} of ${due.entityRef} scaled up: the watch after the promote ended ${watch.state}`,
        );
        continue;
      }
      try {
        const context = await this.#resolver.resolve(
          due.entityRef,
          credentials,
        );
        const { status, snapshot } = await this.#observer.observe(
          context,
          'cluster',
        );
        if (
          !context.strategy.scale ||
          status.live === due.color ||
          status.colors[due.color].replicas.desired <= due.replicas
        ) {
          continue;
        }
        const operation = {
          entityRef: context.entityRef,
          action: 'scale-down' as const,
          actor: actorOf(credentials),
          reason: `scheduled after promote ${due.historyId ?? ''}`.trim(),
          forced: false,
          to: due.color,
          audience: audienceOf(context.entity),
        };
        await this.#authorizer.authorizeObjects(context, operation, snapshot);
        await this.#recorder.run(
          operation,
          { eventId: 'color-switch', severityLevel: 'medium' },
          undefined,
          async () => {
            const write = await context.strategy.scale!(
              context.kube,
              context.target,
              snapshot,
              due.color,
              due.replicas,
            );
            return { requests: write.requests, replicas: due.replicas };
          },
        );
      } catch (error) {
        this.#logger.warn(
          `Scheduled scale-down of ${due.entityRef} failed: ${errorMessage(
            error,
          )}`,
        );
      }
    }
  }
}
