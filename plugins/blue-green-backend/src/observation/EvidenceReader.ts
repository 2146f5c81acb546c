import {
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeObject,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../config';
import { SignOffs, SignOffStore } from '../database/SignOffStore';
import { StoredWatch } from '../database/WatchStore';
import { dependenciesOf } from '../decisions/checkSettings';
import { criteriaReads, latencyWindow } from '../decisions/criteria';
import { CriteriaSettings } from '../decisions/criteriaSettings';
import { CustomCheck, customReads } from '../decisions/customChecks';
import { ChecklistEvidence, Probe } from '../decisions/checklist/evidence';
import { versionKey } from '../decisions/revision';
import { SloConfig } from '../decisions/thresholds';
import { EntityContext, EntityPlace } from '../entities/EntityResolver';
import {
  MetricReader,
  MetricReading,
  MetricReadings,
  metricScope,
} from '../prometheus/metrics';
import { LogEvidence } from '../decisions/logSignalSettings';
import { LOG_SIGNAL_ID } from '../decisions/logSignalSettings';
import { probeDependencies } from './evidence/dependencyProbe';
import { probeHealth } from './evidence/healthProbe';
import { LogSignalReader } from './evidence/logSignal';

/** What one evaluation of a post-promote watch is decided on. */
export type WatchEvidence = {
  /** By range (see `criteriaReads`). */
  readings: Record<string, MetricReadings>;
  /** The P99 at the promote, for the previous color's baseline. */
  baseline: MetricReadings;
  prometheusConfigured: boolean;
  health: Probe;
  /** Readings of the entity's custom checks that are rollback criteria, by check id. */
  custom: Record<string, MetricReading>;
  /** The log signal's counts, when it is a criterion of the entity. */
  logs?: LogEvidence;
};

const EMPTY: MetricReadings = {};

/**
 * Reads everything the checklists and the watch are decided on, besides the strategy's snapshot:
 * Prometheus, the health endpoints, the dependencies, the switched Service, the strategy's own
 * evidence and the sign-offs — all of a request's reads in one parallel round. Nothing here
 * decides; the decisions are pure functions of what it returns.
 */
export class EvidenceReader {
  readonly #metrics: MetricReader;
  readonly #signOffs: SignOffStore;
  readonly #config: BlueGreenConfig;
  readonly #logs: LogSignalReader;

  constructor(options: {
    metrics: MetricReader;
    signOffs: SignOffStore;
    config: BlueGreenConfig;
  }) {
    this.#metrics = options.metrics;
    this.#signOffs = options.signOffs;
    this.#config = options.config;
    this.#logs = new LogSignalReader(options.config.logs);
  }

  /** The sign-offs of the colors' current versions, in one query. */
  signOffs(
    context: EntityPlace,
    snapshot: StrategySnapshot,
    colors: Color[],
  ): Promise<Map<Color, SignOffs>> {
    return this.#signOffs.forVersions(
      context.entityRef,
      [...new Set(colors)].map(color => ({
        color,
        version: versionKey(snapshot, color),
      })),
    );
  }

  /**
   * Pre-deploy evidence of `colors` (the idle color; for a promote also the live one, whose
   * checklist is built from it once it is idle): health, the strategy's items and sign-offs of
   * each, with the metrics, the SLO readings and the dependency probes.
   */
  async preDeploy(
    context: EntityContext,
    snapshot: StrategySnapshot,
    options: { colors: Color[]; slo: SloConfig; custom?: CustomCheck[] },
  ): Promise<ChecklistEvidence> {
    const { target, kube, strategy } = context;
    const scope = metricScope(
      context.entity,
      target,
      strategy,
      snapshot,
      options.slo,
    );
    const prometheusConfigured = this.#metrics.configured(scope);
    const window = this.#config.checks.window;
    const dependencies = dependenciesOf(context.entity);
    const [
      readings,
      health,
      probes,
      service,
      strategyItems,
      slo,
      signOffs,
      custom,
    ] = await Promise.all([
      this.#metrics.read(scope, ['cpuRatio', 'memoryRatio', 'requestRate'], {
        window,
      }),
      this.#perColor(options.colors, c =>
        probeHealth(kube, target, snapshot, c),
      ),
      dependencies &&
        probeDependencies(dependencies, this.#config.checks.dependencyHosts),
      // The snapshot holds the Service when its strategy read it; else one GET.
      snapshot.raw.service ??
        kube
          .get(KUBE_RESOURCES.services, target.namespace, target.service)
          .catch(() => undefined),
      this.#strategyItems(context, snapshot, options.colors, 'pre'),
      prometheusConfigured
        ? Promise.all([
            this.#metrics.read(scope, ['errorRatio', 'latencyUnder'], {
              window: `${options.slo.windowDays}d`,
            }),
            this.#metrics.read(scope, ['errorRatio', 'latencyUnder'], {
              window: '1h',
            }),
          ]).then(([long, hour]) => ({ window: long, hour }))
        : undefined,
      this.signOffs(context, snapshot, options.colors),
      this.#metrics.readTemplates(
        scope,
        customReads(options.custom ?? [], 'pre'),
      ),
    ]);
    return {
      readings,
      custom,
      prometheusConfigured,
      health,
      dependencies: probes || undefined,
      sessionAffinity: (service as KubeObject | undefined)?.spec
        ?.sessionAffinity,
      strategyItems,
      slo,
      signOffs,
    };
  }

  /**
   * Post-deploy evidence of the live `color`: its metrics now, and the previous color's at the
   * switch (`switchedAt`, else now) as the baseline.
   */
  async postDeploy(
    context: EntityContext,
    snapshot: StrategySnapshot,
    options: {
      color: Color;
      slo: SloConfig;
      switchedAt?: Date;
      signOffColors: Color[];
      custom?: CustomCheck[];
    },
  ): Promise<ChecklistEvidence> {
    const scope = metricScope(
      context.entity,
      context.target,
      context.strategy,
      snapshot,
      options.slo,
    );
    const window = this.#config.checks.window;
    const [readings, baseline, strategyItems, signOffs, custom, logs] =
      await Promise.all([
        this.#metrics.read(
          scope,
          [
            'errorRatio',
            'clientErrorRatio',
            'p99',
            'requestRate',
            'restarts',
            'oomKills',
          ],
          { window },
        ),
        this.#metrics.read(scope, ['clientErrorRatio', 'p99', 'requestRate'], {
          window,
          time: options.switchedAt,
        }),
        this.#strategyItems(context, snapshot, [options.color], 'post'),
        this.signOffs(context, snapshot, options.signOffColors),
        this.#metrics.readTemplates(
          scope,
          customReads(options.custom ?? [], 'post'),
        ),
        this.#logs.enabled
          ? this.#logs.read(context.kube, context.target, snapshot, {
              color: options.color,
              switchedAt: options.switchedAt,
            })
          : undefined,
      ]);
    return {
      readings,
      custom,
      logs,
      baseline,
      prometheusConfigured: this.#metrics.configured(scope),
      health: {},
      strategyItems,
      signOffs,
    };
  }

  /**
   * What one evaluation of a running watch (or a step of a stepped shift) needs: each criterion's
   * metric at its own range, the previous color's P99 at the promote, and the health endpoint.
   */
  async watch(
    context: EntityContext,
    snapshot: StrategySnapshot,
    watch: Pick<StoredWatch, 'promotedTo' | 'startedAt'>,
    settings: {
      slo: SloConfig;
      criteria: CriteriaSettings;
      custom: CustomCheck[];
    },
  ): Promise<WatchEvidence> {
    const scope = metricScope(
      context.entity,
      context.target,
      context.strategy,
      snapshot,
      settings.slo,
    );
    const prometheusConfigured = this.#metrics.configured(scope);
    const reads = prometheusConfigured
      ? [...criteriaReads(settings.criteria)]
      : [];
    const latency = settings.criteria['latency-p99'];
    const logCriterion = settings.criteria[LOG_SIGNAL_ID];
    const [readings, baseline, health, custom, logs] = await Promise.all([
      Promise.all(
        reads.map(async ([window, metrics]) => [
          window,
          await this.#metrics.read(scope, metrics, { window }),
        ]),
      ).then(entries => Object.fromEntries(entries)),
      prometheusConfigured && latency && latency.action !== 'off'
        ? this.#metrics.read(scope, ['p99'], {
            window: latencyWindow(settings.criteria),
            time: new Date(watch.startedAt),
          })
        : EMPTY,
      probeHealth(context.kube, context.target, snapshot, watch.promotedTo),
      this.#metrics.readTemplates(
        scope,
        customReads(settings.custom, 'rollback').filter(
          c => settings.criteria[c.id]?.action !== 'off',
        ),
      ),
      this.#logs.enabled && logCriterion && logCriterion.action !== 'off'
        ? this.#logs.read(context.kube, context.target, snapshot, {
            color: watch.promotedTo,
            switchedAt: new Date(watch.startedAt),
          })
        : undefined,
    ]);
    return { readings, baseline, prometheusConfigured, health, custom, logs };
  }

  async #strategyItems(
    context: EntityPlace,
    snapshot: StrategySnapshot,
    colors: Color[],
    phase: 'pre' | 'post',
  ): Promise<Partial<Record<Color, ChecklistItem[]>>> {
    const { strategy, kube, target } = context;
    if (!strategy.evidence) return {};
    return this.#perColor(colors, color =>
      strategy.evidence!(kube, target, snapshot, color, phase),
    );
  }

  async #perColor<T>(
    colors: Color[],
    read: (color: Color) => Promise<T>,
  ): Promise<Partial<Record<Color, T>>> {
    const unique = [...new Set(colors)];
    const values = await Promise.all(unique.map(read));
    return Object.fromEntries(unique.map((c, i) => [c, values[i]]));
  }
}
