import { ChecklistStatusStore } from '../database/ChecklistStatusStore';
import { toWatchStatus, WatchStore } from '../database/WatchStore';
import { FleetEntityInsights } from './rows';

/**
 * Supplies the fleet's checklist columns for many entities at once. Implementations answer from
 * stored state (one query for all refs), never by evaluating each entity's checklist.
 */
export interface FleetInsights {
  /** The insights of each entity that has any; an entity left out has none. */
  forEntities(
    entityRefs: string[],
    options: { credentials: unknown },
  ): Promise<Map<string, FleetEntityInsights>>;
}

/** The insights as stored: the newest watch of each entity and its last pre-deploy result. */
export class StoredFleetInsights implements FleetInsights {
  readonly #watches: WatchStore;
  readonly #checklists: ChecklistStatusStore;

  constructor(options: {
    watches: WatchStore;
    checklists: ChecklistStatusStore;
  }) {
    this.#watches = options.watches;
    this.#checklists = options.checklists;
  }

  async forEntities(
    entityRefs: string[],
  ): Promise<Map<string, FleetEntityInsights>> {
    const [watches, results] = await Promise.all([
      this.#watches.latestOf(entityRefs),
      this.#checklists.forEntities(entityRefs),
    ]);
    const insights = new Map<string, FleetEntityInsights>();
    for (const ref of entityRefs) {
      const stored = watches.get(ref);
      const result = results.get(ref);
      // An entity without either has nothing to show: its rows are as without insights.
      if (!stored && !result) continue;
      const watch = stored && toWatchStatus(stored);
      insights.set(ref, {
        preDeploy: result?.status,
        preDeployOf: result && { color: result.color, version: result.version },
        watch,
        firing:
          watch?.state === 'running'
            ? watch.criteria.filter(c => c.firing).map(c => c.title)
            : undefined,
      });
    }
    return insights;
  }
}
