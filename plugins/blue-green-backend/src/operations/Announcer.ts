import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { isError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  BLUE_GREEN_FLEET_CHANNEL,
  HistoryEntry,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { Verification } from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../config';
import { annotateGrafana, DeployMarker } from '../monitoring/grafanaMarker';

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/**
 * The identity the signals backend gives a connection that sent no token: never a recipient, or
 * anyone could listen without signing in.
 */
const NO_TOKEN_IDENTITY = 'user:default/guest';

/**
 * Who hears about an entity's changes on their open tabs: its owners (users, or members of the
 * owning groups) and the user who made the change. Signals go to them alone — not broadcast —
 * so nobody learns of another team's switches from a connection of their own.
 */
export function audienceOf(entity: Entity, actor?: string): string[] {
  const owners = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  return [
    ...new Set([...owners, ...(actor?.startsWith('user:') ? [actor] : [])]),
  ].filter(ref => ref !== NO_TOKEN_IDENTITY);
}

/**
 * What happened to an entity: a history entry started or ended, or its watch was evaluated
 * (`fleetUnchanged`: nothing the fleet shows moved, e.g. the same criteria still firing).
 */
export type EntityChange =
  | { entry: HistoryEntry }
  | { watchId: string; fleetUnchanged?: boolean };

/** At most one fleet signal this often: a bulk change sends a few, not hundreds. */
const FLEET_SIGNAL_INTERVAL_MS = 1000;

/** What the owners hear: a title, a line, and how urgent it is. */
export type OwnerNotice = {
  title: string;
  description: string;
  severity: 'normal' | 'high' | 'critical';
};

/**
 * Tells what happened to an entity: the open tabs of its audience (signals on
 * `blue-green:<entityRef>`, see {@link audienceOf}), open fleet pages (`blue-green:fleet`, a bare
 * "something changed" that names no entity), in-process listeners (the fleet's cluster cache), its
 * owners (Backstage notifications) and Grafana (a deploy marker), when each is installed. Never
 * fails the operation it announces: a failure is logged.
 */
export class Announcer {
  readonly #logger: LoggerService;
  readonly #signals?: SignalsService;
  readonly #notifications?: NotificationService;
  readonly #grafana?: BlueGreenConfig['grafana'];
  readonly #onChange?: (entityRef: string, change: EntityChange) => void;
  #fleetSignalAt = 0;
  #fleetSignalPending = false;

  constructor(options: {
    logger: LoggerService;
    /** Called in-process for every change, before the signals go out. */
    onChange?: (entityRef: string, change: EntityChange) => void;
    signals?: SignalsService;
    notifications?: NotificationService;
    grafana?: BlueGreenConfig['grafana'];
  }) {
    this.#logger = options.logger;
    this.#signals = options.signals;
    this.#notifications = options.notifications;
    this.#grafana = options.grafana;
    this.#onChange = options.onChange;
  }

  /**
   * Refreshes the entity's open tabs of `audience`: a history entry started or ended, or a watch
   * moved; and the fleet pages, when something they show may have moved.
   */
  async changed(
    entityRef: string,
    change: EntityChange,
    audience: string[],
  ): Promise<void> {
    try {
      this.#onChange?.(entityRef, change);
    } catch (error) {
      this.#logger.warn(
        `A listener failed on a change of ${entityRef}: ${message(error)}`,
      );
    }
    if (!('fleetUnchanged' in change && change.fleetUnchanged)) {
      this.#fleetChanged();
    }
    if (audience.length === 0) return;
    const body =
      'entry' in change
        ? {
            historyId: change.entry.id,
            action: change.entry.action,
            outcome: change.entry.outcome,
          }
        : { watchId: change.watchId };
    try {
      await this.#signals?.publish({
        recipients: { type: 'user', entityRef: audience },
        channel: `blue-green:${entityRef}`,
        message: { entityRef, ...body },
      });
    } catch (error) {
      this.#logger.debug(
        `Could not publish a signal for ${entityRef}: ${message(error)}`,
      );
    }
  }

  /** Tells open fleet pages to reload: now, or once the interval since the last signal is over. */
  #fleetChanged(): void {
    if (!this.#signals || this.#fleetSignalPending) return;
    const wait = this.#fleetSignalAt + FLEET_SIGNAL_INTERVAL_MS - Date.now();
    const publish = () => {
      this.#fleetSignalPending = false;
      this.#fleetSignalAt = Date.now();
      this.#signals
        ?.publish({
          recipients: { type: 'broadcast' },
          channel: BLUE_GREEN_FLEET_CHANNEL,
          message: { changed: true },
        })
        .catch(error =>
          this.#logger.debug(
            `Could not publish a fleet signal: ${message(error)}`,
          ),
        );
    };
    if (wait <= 0) {
      publish();
      return;
    }
    this.#fleetSignalPending = true;
    setTimeout(publish, wait).unref();
  }

  /** Tells the entity's owners. */
  async notifyOwners(
    entity: Entity,
    entityRef: string,
    notice: OwnerNotice,
  ): Promise<void> {
    const owners = (entity.relations ?? [])
      .filter(r => r.type === RELATION_OWNED_BY)
      .map(r => r.targetRef);
    if (!this.#notifications || owners.length === 0) return;
    const { namespace, name } = entity.metadata;
    try {
      await this.#notifications.send({
        recipients: { type: 'entity', entityRef: owners },
        payload: {
          ...notice,
          link: `/catalog/${
            namespace ?? 'default'
          }/${entity.kind.toLocaleLowerCase('en-US')}/${name}/blue-green`,
          topic: `blue-green:${entityRef}`,
        },
      });
    } catch (error) {
      this.#logger.warn(
        `Could not notify the owners of ${entityRef}: ${message(error)}`,
      );
    }
  }

  /** A deploy marker in Grafana, when one is configured; a failure is logged. */
  async #mark(marker: DeployMarker): Promise<void> {
    if (!this.#grafana) return;
    await annotateGrafana(this.#grafana, marker).catch(error =>
      this.#logger.warn(
        `Could not annotate Grafana for ${marker.entityRef}: ${message(error)}`,
      ),
    );
  }

  /** A new version on the idle color: open tabs and a deploy marker. */
  async deployed(
    entity: Entity,
    entry: HistoryEntry,
    environment: string,
  ): Promise<void> {
    const version = String(entry.details?.version ?? entry.details?.image);
    await Promise.all([
      this.changed(entry.entityRef, { entry }, audienceOf(entity, entry.actor)),
      this.#mark({
        entityRef: entry.entityRef,
        environment,
        color: entry.to ?? 'unknown',
        text: `Deployed ${version} to ${entry.to} (${environment}) by ${
          entry.actor
        }${entry.reason ? `: ${entry.reason}` : ''}`,
        time: new Date(entry.createdAt),
      }),
    ]);
  }

  /** A finished switch: open tabs, the owners, and a deploy marker in Grafana. */
  async switched(
    entity: Entity,
    entry: HistoryEntry,
    verification: Verification,
    environment: string,
  ): Promise<void> {
    const { entityRef } = entry;
    const text = `${entry.actor} switched ${entityRef} from ${
      entry.from ?? 'none'
    } to ${entry.to}${entry.reason ? ` (${entry.reason})` : ''}.`;
    const version = (entry.details?.versions as { to?: string } | undefined)
      ?.to;
    const verb = entry.action === 'promote' ? 'Promoted' : 'Rolled back to';
    await Promise.all([
      this.changed(entityRef, { entry }, audienceOf(entity, entry.actor)),
      this.notifyOwners(entity, entityRef, {
        title: `${entity.metadata.name}: ${entry.action} to ${entry.to}`,
        description: `${text} ${verification.message}`,
        severity: entry.action === 'promote' ? 'normal' : 'high',
      }),
      this.#mark({
        entityRef,
        environment,
        color: entry.to ?? 'unknown',
        text: `${verb} ${version ?? 'the version'} on ${
          entry.to
        } (${environment}): ${entry.action} by ${entry.actor}${
          entry.reason ? ` (${entry.reason})` : ''
        }`,
        time: new Date(entry.createdAt),
      }),
    ]);
  }
}
