import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  BLUE_GREEN_ANNOTATIONS,
  Checklist,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { NotFoundError } from '@backstage/errors';
import { Authorizer } from '../authorization/Authorizer';
import { SignOffStore } from '../database/SignOffStore';
import { Phase, phaseColors } from '../decisions/checklist/checklist';
import { MANUAL_ITEMS } from '../decisions/checklist/manualItems';
import { versionKey } from '../decisions/revision';
import { EntityResolver } from '../entities/EntityResolver';
import { ChecklistReader } from '../observation/ChecklistReader';
import { ObservationReader } from '../observation/ObservationReader';
import { audienceOf } from './Announcer';
import { actorOf, Caller, OperationRecorder } from './OperationRecorder';

/** The checklist routes: read a phase's checklist, sign off a manual item or withdraw it. */
export class ChecklistService {
  readonly #resolver: EntityResolver;
  readonly #observer: ObservationReader;
  readonly #checklists: ChecklistReader;
  readonly #signOffs: SignOffStore;
  readonly #authorizer: Authorizer;
  readonly #recorder: OperationRecorder;

  constructor(options: {
    resolver: EntityResolver;
    observer: ObservationReader;
    checklists: ChecklistReader;
    signOffs: SignOffStore;
    authorizer: Authorizer;
    recorder: OperationRecorder;
  }) {
    this.#resolver = options.resolver;
    this.#observer = options.observer;
    this.#checklists = options.checklists;
    this.#signOffs = options.signOffs;
    this.#authorizer = options.authorizer;
    this.#recorder = options.recorder;
  }

  /** `GET …/checklist?phase=pre|post`, reused while fresh. */
  async checklist(
    ref: CompoundEntityRef,
    phase: Phase,
    caller: Caller,
  ): Promise<Checklist> {
    const context = await this.#resolver.resolve(ref, caller.credentials);
    const { snapshot, facts } = await this.#observer.read(context);
    return (
      this.#checklists.cached(context, snapshot, phase, facts.lastSwitch) ??
      (
        await this.#checklists.evaluate(context, snapshot, phase, {
          lastSwitch: facts.lastSwitch,
        })
      ).checklist
    );
  }

  /** `POST …/checklist/:itemId/sign-off`, and `DELETE` (withdraw): the updated checklist. */
  async signOff(
    ref: CompoundEntityRef,
    itemId: string,
    signOff: { note?: string } | undefined,
    caller: Caller,
  ): Promise<Checklist> {
    const pending = this.#authorizer.begin('sign-off', caller.credentials);
    const context = await this.#resolver.resolve(ref, caller.credentials);
    const actor = actorOf(caller.credentials);
    const operation = {
      entityRef: context.entityRef,
      action: signOff ? ('sign-off' as const) : ('sign-off-withdrawn' as const),
      actor,
      reason: signOff?.note,
      forced: false,
      audience: audienceOf(context.entity, actor),
    };
    const [{ snapshot, facts }] = await Promise.all([
      this.#observer.read(context),
      this.#authorizer.authorize(pending, context, operation),
    ]);

    const manual = MANUAL_ITEMS.find(m => m.id === itemId);
    const dependenciesManual =
      itemId === 'dependencies' &&
      !context.entity.metadata.annotations?.[
        BLUE_GREEN_ANNOTATIONS.dependencies
      ];
    if (!manual && !dependenciesManual) {
      throw new NotFoundError(
        `${itemId} is not a manual checklist item; sign off one of ${[
          ...MANUAL_ITEMS.map(m => m.id),
          'dependencies',
        ].join(', ')}`,
      );
    }
    const phase: Phase = manual?.phase ?? 'pre';
    const { color } = phaseColors(snapshot, phase, facts.lastSwitch);
    const key = {
      entityRef: context.entityRef,
      color,
      version: versionKey(snapshot, color),
      itemId,
    };
    let changed = true;
    if (signOff)
      await this.#signOffs.signOff(key, { by: actor, note: signOff.note });
    else changed = await this.#signOffs.withdraw(key);
    this.#checklists.forget(context.entityRef);
    if (!signOff && !changed) {
      throw new NotFoundError(
        `${itemId} has no sign-off for ${color}'s current version`,
      );
    }
    await this.#recorder.done(
      {
        ...operation,
        to: color,
        details: { item: itemId, version: snapshot.colors[color].version },
      },
      {
        eventId: 'checklist-sign-off',
        severityLevel: 'medium',
        meta: { item: itemId, color },
      },
      caller,
    );
    const { checklist } = await this.#checklists.evaluate(
      context,
      snapshot,
      phase,
      { lastSwitch: facts.lastSwitch },
    );
    return checklist;
  }
}
