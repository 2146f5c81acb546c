import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { isError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { Verification } from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../config';
import { annotateGrafana, DeployMarker } from '../monitoring/grafanaMarker';

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/** What the owners hear: a title, a line, and how urgent it is. */
export type OwnerNotice = {
  title: string;
  description: string;
  severity: 'normal' | 'high' | 'critical';
};

/**
 * Tells the world what happened to an entity: open tabs (signals on `blue-green:<entityRef>`),
 * its owners (Backstage notifications) and Grafana (a deploy marker), when each is installed.
 * Never fails the operation it announces: a failure is logged.
 */
export class Announcer {
  readonly #logger: LoggerService;
  readonly #signals?: SignalsService;
  readonly #notifications?: NotificationService;
  readonly #grafana?: BlueGreenConfig['grafana'];

  constructor(options: {
    logger: LoggerService;
    signals?: SignalsService;
    notifications?: NotificationService;
    grafana?: BlueGreenConfig['grafana'];
  }) {
    this.#logger = options.logger;
    this.#signals = options.signals;
    this.#notifications = options.notifications;
    this.#grafana = options.grafana;
  }

  /** Refreshes the entity's open tabs: a history entry started or ended, or a watch moved. */
  async changed(
    entityRef: string,
    change: { entry: HistoryEntry } | { watchId: string },
  ): Promise<void> {
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
        recipients: { type: 'broadcast' },
        channel: `blue-green:${entityRef}`,
        message: { entityRef, ...body },
      });
    } catch (error) {
      this.#logger.debug(
        `Could not publish a signal for ${entityRef}: ${message(error)}`,
      );
    }
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
  async deployed(entry: HistoryEntry, environment: string): Promise<void> {
    const version = String(entry.details?.version ?? entry.details?.image);
    await Promise.all([
      this.changed(entry.entityRef, { entry }),
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
      this.changed(entityRef, { entry }),
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
