import { CompoundEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import {
  Color,
  DeployRequest,
  DeployResponse,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  SentRequest,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { Authorizer } from '../authorization/Authorizer';
import { EntityResolver } from '../entities/EntityResolver';
import { ObservationReader } from '../observation/ObservationReader';
import { StrategyRegistry } from '../strategies/StrategyRegistry';
import { Announcer, audienceOf } from './Announcer';
import { observeAuthorized } from './observeAuthorized';
import {
  actorOf,
  Caller,
  Operation,
  OperationRecorder,
} from './OperationRecorder';

/** A label value (the `version` pod label): what Kubernetes accepts. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/** The tag of an image reference (`my-app:1.2.0` → `1.2.0`), when it is a valid label value. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const last = name.slice(name.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return LABEL_VALUE.test(tag) ? tag : undefined;
}

/** The container a deploy sets the image on: the one named, else the pod's only one. */
function containerOf(
  snapshot: StrategySnapshot,
  color: Color,
  asked: string | undefined,
): string {
  const template =
    snapshot.raw.templates[color] ?? snapshot.raw.templates[otherColor(color)];
  const names: string[] = (template?.spec?.containers ?? []).map(
    (c: any) => c.name,
  );
  if (names.length === 0) {
    throw new ConflictError(
      `${color} has no pod template to deploy to: ${
        snapshot.problems[0] ?? 'its workload was not found'
      }`,
    );
  }
  if (asked !== undefined) {
    if (!names.includes(asked)) {
      throw new InputError(
        `container: ${color}'s pods have no container "${asked}"; use one of ${names.join(
          ', ',
        )}`,
      );
    }
    return asked;
  }
  if (names.length > 1) {
    throw new InputError(
      `container: ${color}'s pods have ${
        names.length
      } containers; name the one to deploy to (${names.join(', ')})`,
    );
  }
  return names[0];
}

/**
 * `POST …/deploy`: a new image on the idle color — the first step of a release. Decided on one
 * observation of the entity (the idle color, a switch in progress, a running watch whose way back
 * the idle color is), authorized meanwhile, written by the strategy as a compare-and-swap, and
 * recorded. Its checklist starts over: sign-offs belong to a version.
 */
export class DeployService {
  readonly #resolver: EntityResolver;
  readonly #strategies: StrategyRegistry;
  readonly #observer: ObservationReader;
  readonly #authorizer: Authorizer;
  readonly #recorder: OperationRecorder;
  readonly #announcer: Announcer;

  constructor(options: {
    resolver: EntityResolver;
    strategies: StrategyRegistry;
    observer: ObservationReader;
    authorizer: Authorizer;
    recorder: OperationRecorder;
    announcer: Announcer;
  }) {
    this.#resolver = options.resolver;
    this.#strategies = options.strategies;
    this.#observer = options.observer;
    this.#authorizer = options.authorizer;
    this.#recorder = options.recorder;
    this.#announcer = options.announcer;
  }

  async deploy(
    ref: CompoundEntityRef,
    request: DeployRequest,
    caller: Caller,
  ): Promise<DeployResponse> {
    const pending = this.#authorizer.begin('deploy', caller.credentials, {
      force: request.force,
    });
    const { context, reads } = await this.#resolver.resolveWithReads(
      ref,
      caller.credentials,
      this.#observer.read,
    );
    const { strategy } = context;
    if (!strategy.deploy) {
      const names = this.#strategies
        .names()
        .filter(n => this.#strategies.get(n).deploy);
      throw new InputError(
        `${context.entityRef} uses the ${
          context.target.strategy
        } strategy, which cannot deploy a new version (${names.join(
          ', ',
        )} can)`,
      );
    }
    const actor = actorOf(caller.credentials);
    const operation: Operation = {
      entityRef: context.entityRef,
      action: 'deploy',
      actor,
      audience: audienceOf(context.entity, actor),
      reason: request.reason,
      forced: Boolean(request.force),
    };
    const { snapshot, status } = await observeAuthorized(
      {
        observer: this.#observer,
        authorizer: this.#authorizer,
        recorder: this.#recorder,
      },
      { context, purpose: 'cluster', operation, pending, reads },
    );
    const decision = status.deploy!;
    const refuse = async (reasons: string[]): Promise<never> => {
      await this.#recorder.ended(
        { ...operation, to: decision.target },
        'refused',
        reasons.join('; '),
        { strategy: context.target.strategy, revision: status.revision },
      );
      throw new ConflictError(`deploy refused: ${reasons.join('; ')}`);
    };
    if (request.revision && request.revision !== status.revision) {
      await refuse([
        `the live state changed since revision ${request.revision} (now ${status.revision}); reload and decide again`,
      ]);
    }
    if (!decision.allowed && !(request.force && decision.forceable)) {
      await refuse(decision.reasons);
    }
    const color = decision.target!;
    const change = {
      color,
      image: request.image,
      container: containerOf(snapshot, color, request.container),
      version: request.version ?? imageTag(request.image),
    };
    const before = snapshot.colors[color];
    const recording = await this.#recorder.start(
      {
        ...operation,
        to: color,
        details: {
          strategy: context.target.strategy,
          cluster: context.kube.cluster,
          revision: status.revision,
          image: change.image,
          container: change.container,
          version: change.version,
          previous: { version: before.version, images: before.images },
          ...(!decision.allowed && { forcedPast: decision.reasons }),
        },
      },
      {
        eventId: 'color-deploy',
        severityLevel: 'medium',
        meta: { color, image: change.image, forced: operation.forced },
      },
      caller,
      { signal: true },
    );
    const sent: SentRequest[] = [];
    try {
      await strategy.deploy(
        context.kube,
        context.target,
        snapshot,
        change,
        sent,
      );
    } catch (error) {
      const refused = error instanceof ConflictError && sent.length === 0;
      await this.#recorder.fail(recording, error, {
        outcome: refused ? 'refused' : 'failed',
        details: { requests: sent },
      });
      throw error;
    }
    const [entry] = await Promise.all([
      this.#recorder.finish(recording, {
        outcome: 'succeeded',
        details: { requests: sent },
      }),
      recording.audit.success(),
    ]);
    void this.#announcer.deployed(context.entity, entry, context.kube.cluster);
    const after = await this.#observer.observe(context, 'status');
    return { entry, status: after.status };
  }
}
