import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { HistoryStore } from '../database/HistoryStore';
import { interruptedOutcome } from '../decisions/switchOutcome';
import { EntityResolver } from '../entities/EntityResolver';
import { errorMessage } from '../operations/OperationRecorder';

/**
 * Marks operations left in progress by a backend that stopped mid-way as interrupted, with what
 * the cluster shows now; run by the scheduler once across backend replicas.
 */
export class InterruptedSweep {
  readonly #history: HistoryStore;
  readonly #resolver: EntityResolver;
  readonly #interruptedAfterMs: number;

  constructor(options: {
    history: HistoryStore;
    resolver: EntityResolver;
    interruptedAfterMs: number;
  }) {
    this.#history = options.history;
    this.#resolver = options.resolver;
    this.#interruptedAfterMs = options.interruptedAfterMs;
  }

  async run(credentials: BackstageCredentials): Promise<void> {
    for (const stale of await this.#history.staleInProgress(
      this.#interruptedAfterMs,
    )) {
      let observedLive: string;
      try {
        const context = await this.#resolver.resolve(
          stale.entityRef,
          credentials,
        );
        observedLive = (
          await context.strategy.read(context.kube, context.target)
        ).live;
      } catch (error) {
        observedLive = `unknown (${errorMessage(error)})`;
      }
      const cluster = interruptedOutcome(stale, observedLive);
      await this.#history.finish(stale, {
        outcome: 'interrupted',
        error: 'the backend stopped before the operation finished',
        details: { observedLive, ...(cluster && { cluster }) },
      });
    }
  }
}
