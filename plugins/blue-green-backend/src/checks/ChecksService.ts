import { LRUCache } from 'lru-cache';
import { Entity } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  BLUE_GREEN_ANNOTATIONS,
  BlueGreenTarget,
  Checklist,
  ChecklistItem,
  CheckStatus,
  Color,
  COLORS,
  HistoryEntry,
  MetricName,
  MetricsResponse,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { StrategySnapshot } from '../strategies';
import {
  ChecksConfig,
  DEFAULT_THRESHOLDS,
  dependencyAllowed,
  isWholeDays,
  MetricKey,
  SloConfig,
  Thresholds,
} from './config';
import { ChecksStore, StoredWatch, toWatchStatus } from './ChecksStore';
import type { FleetEntityInsights } from '../services/FleetService';
import { CriteriaResult, evaluateCriteria } from './criteria';
import {
  blockingReasons,
  CONTRACT_ITEM,
  finishItems,
  MANUAL_ITEMS,
  overallStatus,
  postDeployItems,
  preDeployItems,
  Probe,
} from './items';
import {
  metricQuery,
  MetricReadings,
  metricScope,
  MetricScope,
  readMetrics,
} from './metrics';
import { PrometheusClient } from './prometheus';

/** What the checks need of an entity: the same context the switch engine resolves. */
export type CheckContext = {
  entity: Entity;
  entityRef: string;
  target: BlueGreenTarget;
  kube: KubeClient;
};

type Phase = 'pre' | 'post';

/** The version a color's sign-offs belong to: its version label and images. */
export function versionKey(snapshot: StrategySnapshot, color: Color): string {
  const status = snapshot.colors[color];
  const digest = createHash('sha256')
    .update(JSON.stringify([status.version, status.images]))
    .digest('base64url')
    .slice(0, 12);
  return `${status.version ?? 'unversioned'}@${digest}`;
}

function keyValues(
  entity: Entity,
  annotation: string,
  allowed: readonly string[],
): Record<string, number> {
  const raw = entity.metadata.annotations?.[annotation];
  const result: Record<string, number> = {};
  if (!raw) return result;
  for (const part of raw
    .split(',')
    .map(p => p.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=').map(p => p.trim());
    const parsed = Number(value);
    if (
      !allowed.includes(key) ||
      value === undefined ||
      !Number.isFinite(parsed) ||
      parsed < 0
    ) {
      throw new InputError(
        `annotation ${annotation} has "${part}"; use key=number with keys ${allowed.join(
          ', ',
        )}`,
      );
    }
    result[key] = parsed;
  }
  return result;
}

/**
 * The checklists (seed 000 §1.1–1.2), sign-offs, rollback criteria (§1.3) and metrics of an entity,
 * from its cluster and Prometheus.
 */
export class ChecksService {
  readonly #config: ChecksConfig;
  readonly #prometheus: PrometheusClient;
  readonly #store: ChecksStore;
  readonly #cache = new LRUCache<string, { at: number; checklist: Checklist }>({
    max: 5000,
  });
  /** The last pre-deploy result per entity, for the fleet (which never evaluates on its own). */
  readonly #lastPreDeploy = new Map<string, CheckStatus>();

  constructor(options: {
    config: ChecksConfig;
    prometheus: PrometheusClient;
    store: ChecksStore;
  }) {
    this.#config = options.config;
    this.#prometheus = options.prometheus;
    this.#store = options.store;
  }

  get config(): ChecksConfig {
    return this.#config;
  }

  get store(): ChecksStore {
    return this.#store;
  }

  get prometheus(): PrometheusClient {
    return this.#prometheus;
  }

  /** Thresholds for an entity: config, then its annotation. */
  thresholds(entity: Entity): Thresholds {
    return {
      ...this.#config.thresholds,
      ...keyValues(entity, BLUE_GREEN_ANNOTATIONS.thresholds, [
        ...Object.keys(DEFAULT_THRESHOLDS),
        'rpsMin',
        'rpsMax',
      ]),
    };
  }

  slo(entity: Entity): SloConfig {
    const o = keyValues(entity, BLUE_GREEN_ANNOTATIONS.slo, [
      'availability',
      'latency',
      'latencyMs',
      'windowDays',
    ]);
    if (o.windowDays !== undefined && !isWholeDays(o.windowDays)) {
      throw new InputError(
        `annotation ${BLUE_GREEN_ANNOTATIONS.slo} has "windowDays=${o.windowDays}"; it must be a whole number of days from 1 to 365`,
      );
    }
    return {
      availability: o.availability ?? this.#config.slo.availability,
      latency: o.latency ?? this.#config.slo.latency,
      latencyThresholdMs: o.latencyMs ?? this.#config.slo.latencyThresholdMs,
      windowDays: o.windowDays ?? this.#config.slo.windowDays,
    };
  }

  autoRollback(entity: Entity): boolean {
    const raw =
      entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.autoRollback];
    if (raw === undefined) return this.#config.watch.autoRollback;
    if (raw !== 'true' && raw !== 'false') {
      throw new InputError(
        `annotation ${BLUE_GREEN_ANNOTATIONS.autoRollback} is "${raw}"; it must be true or false`,
      );
    }
    return raw === 'true';
  }

  scope(context: CheckContext, snapshot: StrategySnapshot): MetricScope {
    try {
      return metricScope(
        context.entity,
        context.target,
        snapshot,
        this.slo(context.entity).latencyThresholdMs,
      );
    } catch (error) {
      throw new InputError(
        `annotation backstage.io/kubernetes-label-selector: ${
          (error as Error).message
        }`,
      );
    }
  }

  /** Which color a phase checks: the idle one before a promote, the live one after. */
  #colors(snapshot: StrategySnapshot, phase: Phase, lastSwitch?: HistoryEntry) {
    const live: Color =
      snapshot.live === 'blue' || snapshot.live === 'green'
        ? snapshot.live
        : lastSwitch?.to ?? 'blue';
    return phase === 'pre'
      ? { color: otherColor(live), live }
      : { color: live, live };
  }

  /** `GET …/checklist?phase=` — reused for `cacheSeconds` unless a sign-off changed it. */
  async checklist(
    context: CheckContext,
    snapshot: StrategySnapshot,
    phase: Phase,
    lastSwitch?: HistoryEntry,
    options: { fresh?: boolean } = {},
  ): Promise<Checklist> {
    const { color } = this.#colors(snapshot, phase, lastSwitch);
    const version = versionKey(snapshot, color);
    const key = `${context.entityRef}|${phase}|${color}|${version}|${snapshot.live}`;
    const cached = this.#cache.get(key);
    if (
      !options.fresh &&
      cached &&
      Date.now() - cached.at < this.#config.cacheMs
    ) {
      return cached.checklist;
    }
    const checklist = await this.#evaluate(
      context,
      snapshot,
      phase,
      lastSwitch,
    );
    this.#cache.set(key, { at: Date.now(), checklist });
    if (phase === 'pre') {
      this.#lastPreDeploy.set(context.entityRef, checklist.status);
    }
    return checklist;
  }

  async #evaluate(
    context: CheckContext,
    snapshot: StrategySnapshot,
    phase: Phase,
    lastSwitch?: HistoryEntry,
  ): Promise<Checklist> {
    const { color, live } = this.#colors(snapshot, phase, lastSwitch);
    const previous = otherColor(color);
    const version = versionKey(snapshot, color);
    const thresholds = this.thresholds(context.entity);
    const scope = this.scope(context, snapshot);
    const warnings: string[] = [];
    const prometheusConfigured = Boolean(
      this.#prometheus.urlFor(context.target.cluster),
    );
    const window = this.#config.window;
    const read = (
      metrics: MetricKey[],
      options: { window: string; time?: Date },
    ) =>
      prometheusConfigured
        ? readMetrics(this.#prometheus, this.#config, scope, metrics, options)
        : Promise.resolve({} as MetricReadings);
    if (!prometheusConfigured) {
      warnings.push(
        'no Prometheus is configured (blueGreen.prometheus.url): metric checks are unknown',
      );
    }
    const skipped = new Set(
      (
        context.entity.metadata.annotations?.[
          BLUE_GREEN_ANNOTATIONS.skipChecks
        ] ?? ''
      )
        .split(',')
        .map(s => s.trim())
        .filter(Boolean),
    );

    let items: ChecklistItem[];
    if (phase === 'pre') {
      const [readings, health, dependencies, service, analysis, slo] =
        await Promise.all([
          read(['cpuRatio', 'memoryRatio', 'requestRate'], { window }),
          this.#health(context, snapshot, color),
          this.#dependencies(context.entity),
          // The snapshot holds the Service when its strategy read it; else one GET.
          snapshot.raw.service ??
            context.kube
              .get(
                KUBE_RESOURCES.services,
                context.target.namespace,
                context.target.service,
              )
              .catch(() => undefined),
          this.#analysis(context, snapshot, color, 'PrePromotion'),
          this.#sloItems(context, scope, live, warnings, prometheusConfigured),
        ]);
      items = preDeployItems({
        color,
        snapshot,
        readings,
        health,
        healthPath: context.target.healthPath,
        dependencies,
        sessionAffinity: (service as any)?.spec?.sessionAffinity,
        analysis,
        slo,
        thresholds,
        prometheusConfigured,
        warnings,
      });
    } else {
      const switchedAt =
        lastSwitch?.to === color && lastSwitch.outcome === 'succeeded'
          ? new Date(lastSwitch.createdAt)
          : undefined;
      const metrics: MetricKey[] = [
        'errorRatio',
        'clientErrorRatio',
        'p99',
        'requestRate',
        'restarts',
        'oomKills',
      ];
      const [readings, baseline, analysis] = await Promise.all([
        read(metrics, { window }),
        read(['clientErrorRatio', 'p99', 'requestRate'], {
          window,
          time: switchedAt,
        }),
        this.#analysis(context, snapshot, color, 'PostPromotion'),
      ]);
      items = [
        ...postDeployItems({
          color,
          previous,
          snapshot,
          readings,
          baseline,
          thresholds,
          warnings,
        }),
        ...analysis,
      ];
    }
    const signOffs = await this.#store.signOffs(
      context.entityRef,
      color,
      version,
    );
    items = finishItems(phase, items, signOffs, this.#config.items, skipped);
    return {
      phase,
      color,
      version: snapshot.colors[color].version,
      status: overallStatus(items),
      items,
      evaluatedAt: new Date().toISOString(),
      warnings,
    };
  }

  /**
   * The fleet's columns for many entities in one database query: the newest watch and its firing
   * criteria, and the last pre-deploy result this backend evaluated.
   */
  async fleetInsights(
    entityRefs: string[],
  ): Promise<Map<string, FleetEntityInsights>> {
    const watches = await this.#store.latestWatches(entityRefs);
    const result = new Map<string, FleetEntityInsights>();
    for (const ref of entityRefs) {
      const stored = watches.get(ref);
      const watch = stored && toWatchStatus(stored);
      result.set(ref, {
        preDeploy: this.#lastPreDeploy.get(ref),
        watch,
        firing:
          watch?.state === 'running'
            ? watch.criteria.filter(c => c.firing).map(c => c.title)
            : undefined,
      });
    }
    return result;
  }

  /** Why promote must wait: required pre-deploy items not passing. Empty when enforcement is off. */
  async promoteReasons(
    context: CheckContext,
    snapshot: StrategySnapshot,
    lastSwitch?: HistoryEntry,
    options: { fresh?: boolean } = {},
  ): Promise<{ reasons: string[]; checklist?: Checklist }> {
    if (!this.#config.requiredForPromote) return { reasons: [] };
    const checklist = await this.checklist(
      context,
      snapshot,
      'pre',
      lastSwitch,
      options,
    );
    return { reasons: blockingReasons(checklist.items), checklist };
  }

  /** Expand/contract (seed 001 §5): once the live version's contract is signed off, no rollback. */
  async rollbackReasons(
    context: CheckContext,
    snapshot: StrategySnapshot,
  ): Promise<string[]> {
    const live = snapshot.live;
    if (live !== 'blue' && live !== 'green') return [];
    const signOffs = await this.#store.signOffs(
      context.entityRef,
      live,
      versionKey(snapshot, live),
    );
    const contract = signOffs.get(CONTRACT_ITEM);
    if (!contract) return [];
    return [
      `the database contract phase of ${live} (${
        snapshot.colors[live].version ?? 'this version'
      }) was signed off by ${contract.by} at ${
        contract.at
      }: the previous version no longer matches the schema`,
    ];
  }

  /** Signs off (or withdraws) a manual item of the checklist for the color's current version. */
  async setSignOff(
    context: CheckContext,
    snapshot: StrategySnapshot,
    itemId: string,
    signOff: { by: string; note?: string } | undefined,
    lastSwitch?: HistoryEntry,
  ): Promise<{ phase: Phase; color: Color; changed: boolean }> {
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
    const { color } = this.#colors(snapshot, phase, lastSwitch);
    const key = {
      entityRef: context.entityRef,
      color,
      version: versionKey(snapshot, color),
      itemId,
    };
    let changed = true;
    if (signOff) await this.#store.signOff(key, signOff);
    else changed = await this.#store.withdraw(key);
    for (const cacheKey of [...this.#cache.keys()]) {
      if (cacheKey.startsWith(`${context.entityRef}|`))
        this.#cache.delete(cacheKey);
    }
    return { phase, color, changed };
  }

  /** One evaluation of a running watch's criteria. */
  async evaluateWatch(
    context: CheckContext,
    snapshot: StrategySnapshot,
    watch: StoredWatch,
  ): Promise<CriteriaResult & { warnings: string[] }> {
    const scope = this.scope(context, snapshot);
    const configured = Boolean(this.#prometheus.urlFor(context.target.cluster));
    const window = this.#config.watch.rateWindow;
    const empty = Promise.resolve({} as MetricReadings);
    const [readings, baseline, health] = await Promise.all([
      configured
        ? readMetrics(
            this.#prometheus,
            this.#config,
            scope,
            ['errorRatio', 'oomKills', 'p99', 'cpuRatio'],
            { window },
          )
        : empty,
      configured
        ? readMetrics(this.#prometheus, this.#config, scope, ['p99'], {
            window,
            time: new Date(watch.startedAt),
          })
        : empty,
      this.#health(context, snapshot, watch.promotedTo),
    ]);
    const warnings = [
      ...new Set(
        Object.values(readings)
          .map(r => r?.error)
          .filter((e): e is string => Boolean(e)),
      ),
    ];
    if (!configured)
      warnings.push('no Prometheus is configured: metric criteria are unknown');
    const result = evaluateCriteria({
      color: watch.promotedTo,
      previous: watch.previous,
      readings,
      baseline,
      health,
      thresholds: this.thresholds(context.entity),
      streaks: watch.streaks,
      sustainEvaluations: this.#config.watch.sustainEvaluations,
    });
    return { ...result, warnings };
  }

  /** `GET …/metrics` — RPS, 5xx ratio and P99 per color over a range, one query each. */
  async metrics(
    context: CheckContext,
    snapshot: StrategySnapshot,
    range: { seconds: number; stepSeconds: number },
  ): Promise<MetricsResponse> {
    const scope = this.scope(context, snapshot);
    // Aligned to the step, so every chart (and every refresh) shares one grid of timestamps.
    const step = range.stepSeconds;
    const endSeconds = Math.floor(Date.now() / 1000 / step) * step;
    const end = new Date(endSeconds * 1000);
    const start = new Date((endSeconds - range.seconds) * 1000);
    const window = `${Math.max(4 * range.stepSeconds, 30)}s`;
    const charted: Array<[MetricName, MetricKey]> = [
      ['rps', 'requestRate'],
      ['errorRatio', 'errorRatio'],
      ['p99', 'p99'],
    ];
    const queries = Object.fromEntries(
      charted.map(([name, key]) => [
        name,
        metricQuery(this.#config, scope, key, window),
      ]),
    ) as Record<MetricName, string>;
    const warnings: string[] = [];
    const series: MetricsResponse['series'] = [];
    if (!this.#prometheus.urlFor(context.target.cluster)) {
      warnings.push('no Prometheus is configured (blueGreen.prometheus.url)');
    } else {
      await Promise.all(
        charted.map(async ([name]) => {
          try {
            const result = await this.#prometheus.queryRange(
              scope.cluster,
              queries[name],
              { start, end, stepSeconds: range.stepSeconds },
            );
            for (const color of COLORS) {
              const points = new Map<number, number>();
              for (const s of result) {
                if (scope.colorOf(s.labels[scope.group] ?? '') !== color) {
                  continue;
                }
                for (const [t, v] of s.points) {
                  if (Number.isFinite(v)) {
                    points.set(t, (points.get(t) ?? 0) + v);
                  }
                }
              }
              const all: Array<[number, number | null]> = [];
              for (
                let t = endSeconds - range.seconds;
                t <= endSeconds;
                t += step
              ) {
                all.push([t, points.get(t) ?? null]);
              }
              series.push({ metric: name, color, points: all });
            }
          } catch (error) {
            warnings.push((error as Error).message);
          }
        }),
      );
    }
    return {
      start: start.toISOString(),
      end: end.toISOString(),
      stepSeconds: range.stepSeconds,
      series,
      queries,
      warnings: [...new Set(warnings)],
    };
  }

  /** HTTP GET of the health path on up to three pods of the color, through the API server's proxy. */
  async #health(
    context: CheckContext,
    snapshot: StrategySnapshot,
    color: Color,
  ): Promise<Probe> {
    const pods = snapshot.raw.pods[color].slice(0, 3);
    if (pods.length === 0) return { ok: false, detail: `${color} has no pods` };
    const path = context.target.healthPath;
    const results = await Promise.all(
      pods.map(async (pod: any) => {
        const port = pod.spec?.containers?.[0]?.ports?.[0]?.containerPort;
        const name = pod.metadata?.name;
        try {
          const response = await context.kube.proxyGet({
            kind: 'pods',
            namespace: context.target.namespace,
            name,
            port,
            path,
          });
          return {
            ok: response.status === 200,
            detail: `${name}: ${response.status}`,
          };
        } catch (error) {
          return { ok: false, detail: `${name}: ${(error as Error).message}` };
        }
      }),
    );
    const failing = results.filter(r => !r.ok);
    return {
      ok: failing.length === 0,
      detail: `GET ${path} via the pods proxy: ${(failing.length
        ? failing
        : results
      )
        .map(r => r.detail)
        .join(', ')}`,
    };
  }

  /**
   * Probes the dependencies named in the annotation: HTTP(S) URLs answer < 400; host:port accepts
   * TCP. Only hosts in blueGreen.checks.dependencyHosts are contacted (redirects are not followed).
   */
  async #dependencies(entity: Entity): Promise<Probe[] | undefined> {
    const raw =
      entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.dependencies];
    if (!raw?.trim()) return undefined;
    return Promise.all(
      raw
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
        .slice(0, 20)
        .map(async dependency => {
          const allowed = (host: string, port: number) =>
            dependencyAllowed(this.#config.dependencyHosts, host, port);
          const notProbed = (host: string): Probe => ({
            ok: false,
            notProbed: true,
            detail: `${dependency}: not contacted, ${host} is not in blueGreen.checks.dependencyHosts`,
          });
          if (/^https?:\/\//.test(dependency)) {
            let url: URL;
            try {
              url = new URL(dependency);
            } catch {
              return { ok: false, detail: `${dependency}: not a URL` };
            }
            const port = Number(
              url.port || (url.protocol === 'https:' ? 443 : 80),
            );
            const host = url.hostname.replace(/^\[|\]$/g, '');
            if (!allowed(host, port)) return notProbed(host);
            try {
              const response = await fetch(dependency, {
                signal: AbortSignal.timeout(3000),
                redirect: 'manual',
              });
              return {
                ok: response.status < 400,
                detail: `${dependency}: HTTP ${response.status}`,
              };
            } catch (error) {
              return {
                ok: false,
                detail: `${dependency}: ${
                  (error as any)?.cause?.code ?? (error as Error).message
                }`,
              };
            }
          }
          const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(
            dependency,
          );
          if (!match) {
            return {
              ok: false,
              detail: `${dependency}: not a URL or host:port`,
            };
          }
          if (!allowed(match[1].replace(/^\[|\]$/g, ''), Number(match[2]))) {
            return notProbed(match[1]);
          }
          return new Promise<Probe>(resolve => {
            const socket = connect({
              host: match[1].replace(/^\[|\]$/g, ''),
              port: Number(match[2]),
            });
            const done = (ok: boolean, detail: string) => {
              socket.destroy();
              resolve({ ok, detail: `${dependency}: ${detail}` });
            };
            socket.setTimeout(3000, () => done(false, 'no answer within 3 s'));
            socket.once('connect', () => done(true, 'TCP connect ok'));
            socket.once('error', error =>
              done(false, (error as any).code ?? error.message),
            );
          });
        }),
    );
  }

  /** Argo Rollouts' AnalysisRuns for the color's revision, as checklist items with measurements. */
  async #analysis(
    context: CheckContext,
    snapshot: StrategySnapshot,
    color: Color,
    type: 'PrePromotion' | 'PostPromotion',
  ): Promise<ChecklistItem[]> {
    if (context.target.strategy !== 'argo-rollouts') return [];
    const hash = snapshot.colors[color].workload?.podTemplateHash;
    if (!hash) return [];
    const runs = await context.kube
      .list(KUBE_RESOURCES.analysisRuns, context.target.namespace, {
        labelSelector: `rollouts-pod-template-hash=${hash},rollout-type=${type}`,
      })
      .catch(() => ({ items: [] as any[] }));
    return runs.items
      .filter((run: any) =>
        (run.metadata?.ownerReferences ?? []).some(
          (o: any) => o.kind === 'Rollout' && o.name === context.target.rollout,
        ),
      )
      .map((run: any): ChecklistItem => {
        const phase: string = run.status?.phase ?? 'Pending';
        const results: any[] = run.status?.metricResults ?? [];
        const observed = results
          .map(r => {
            const last = (r.measurements ?? []).slice(-1)[0];
            return `${r.name}: ${last?.value ?? '—'} (${r.phase ?? 'Pending'})`;
          })
          .join('; ');
        let status: ChecklistItem['status'] = 'pending';
        if (phase === 'Successful') status = 'pass';
        else if (['Failed', 'Error', 'Inconclusive'].includes(phase))
          status = 'fail';
        return {
          id: `analysis-${run.metadata.name}`,
          category: 'analysis',
          title: `Argo Rollouts ${type} analysis ${run.metadata.name}`,
          kind: 'auto',
          required: true,
          status,
          observed: observed || phase,
          threshold: (run.spec?.metrics ?? [])
            .map((m: any) => `${m.name}: ${m.successCondition ?? 'success'}`)
            .join('; '),
          message: run.status?.message ?? `phase ${phase}`,
          evidence: {
            type: 'analysis-run',
            detail: `AnalysisRun ${context.target.namespace}/${run.metadata.name}`,
          },
        };
      });
  }

  /**
   * SLOs (seed 000 §2.1): availability and latency over the SLO window, remaining error budget and
   * burn rate (last hour) of the live color; a warning under half the budget.
   */
  async #sloItems(
    context: CheckContext,
    scope: MetricScope,
    live: Color,
    warnings: string[],
    configured: boolean,
  ): Promise<ChecklistItem[]> {
    const slo = this.slo(context.entity);
    const window = `${slo.windowDays}d`;
    const item = (
      id: string,
      title: string,
      target: number,
    ): ChecklistItem => ({
      id,
      category: 'slo',
      title,
      kind: 'auto',
      required: false,
      status: 'unknown',
      threshold: `≥ 50 % of the ${
        slo.windowDays
      }-day error budget left (objective ${(target * 100).toFixed(2)} %)`,
    });
    const availability = item(
      'error-budget',
      'Availability SLO error budget',
      slo.availability,
    );
    const latency = item(
      'latency-budget',
      `Latency SLO: ${(slo.latency * 100).toFixed(0)} % of requests under ${
        slo.latencyThresholdMs
      } ms`,
      slo.latency,
    );
    if (!configured) return [availability, latency];
    const [long, hour] = await Promise.all([
      readMetrics(
        this.#prometheus,
        this.#config,
        scope,
        ['errorRatio', 'latencyUnder'],
        { window },
      ),
      readMetrics(
        this.#prometheus,
        this.#config,
        scope,
        ['errorRatio', 'latencyUnder'],
        { window: '1h' },
      ),
    ]);
    const judge = (
      base: ChecklistItem,
      metric: 'errorRatio' | 'latencyUnder',
      target: number,
    ): ChecklistItem => {
      const reading = long[metric];
      // The share of bad requests: errors, or requests slower than the threshold.
      const badOf = (v: number | undefined) => {
        if (v === undefined) return undefined;
        return metric === 'errorRatio' ? v : 1 - v;
      };
      const bad = badOf(reading?.values[live]);
      const recent = badOf(hour[metric]?.values[live]);
      if (reading?.error && !warnings.includes(reading.error))
        warnings.push(reading.error);
      if (bad === undefined) {
        return {
          ...base,
          message: reading?.error ?? `Prometheus has no data for ${live}`,
          evidence: reading && { type: 'promql', query: reading.query },
        };
      }
      const budget = 1 - target;
      let remaining = bad === 0 ? 1 : 0;
      if (budget > 0) remaining = 1 - bad / budget;
      const burn =
        recent === undefined || budget <= 0 ? undefined : recent / budget;
      return {
        ...base,
        status: remaining >= 0.5 ? 'pass' : 'warn',
        observed: `${live}: ${((1 - bad) * 100).toFixed(3)} % attained, ${(
          Math.max(remaining, 0) * 100
        ).toFixed(0)} % of the budget left${
          burn === undefined ? '' : `, burn rate ${burn.toFixed(2)}×`
        }`,
        message:
          remaining < 0.5
            ? 'less than half of the monthly error budget remains: promote with care'
            : undefined,
        evidence: { type: 'promql', query: reading!.query },
      };
    };
    return [
      judge(availability, 'errorRatio', slo.availability),
      judge(latency, 'latencyUnder', slo.latency),
    ];
  }
}
