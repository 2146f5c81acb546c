/**
 * AnalysisRuns for Rollouts (argo-rollouts analysis controller, Prometheus provider only):
 * metrics measured every `interval` up to `count`, successCondition/failureCondition over
 * `result`, failureLimit/inconclusiveLimit/consecutiveErrorLimit, run phase.
 */
import { nowIso } from '../api/service';
import { KubeObject, StoreEvent } from '../api/store';
import { Cluster, ownerRef } from './cluster';

const AR = 'analysisruns.argoproj.io';

export function parseDuration(d: unknown): number {
  if (typeof d === 'number') return d * 1000;
  if (typeof d !== 'string' || !d) return 0;
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };
  for (const m of d.matchAll(re)) ms += Number(m[1]) * unit[m[2]];
  return ms;
}

/** Builds an AnalysisRun from a Rollout's RolloutAnalysis; undefined when a template is missing. */
export function analysisRunFor(
  c: Cluster,
  ro: KubeObject,
  analysis: any,
  name: string,
  latestHash: string,
  stableHash: string,
  kind: string,
): any | undefined {
  const ns = ro.metadata.namespace!;
  const metrics: any[] = [];
  const argDefs: any[] = [];
  for (const t of analysis.templates ?? []) {
    const tpl = t.clusterScope
      ? c.store.peek(
          'clusteranalysistemplates.argoproj.io',
          undefined,
          t.templateName,
        )?.obj
      : c.store.peek('analysistemplates.argoproj.io', ns, t.templateName)?.obj;
    if (!tpl) return undefined;
    metrics.push(...(tpl.spec?.metrics ?? []));
    for (const a of tpl.spec?.args ?? [])
      if (!argDefs.some(x => x.name === a.name)) argDefs.push({ ...a });
  }
  for (const a of analysis.args ?? []) {
    let value = a.value;
    const pth = a.valueFrom?.podTemplateHashValue;
    if (pth) value = pth === 'Stable' ? stableHash : latestHash;
    const field = a.valueFrom?.fieldRef?.fieldPath;
    if (field)
      value = field.split('.').reduce((o: any, k: string) => o?.[k], ro);
    const existing = argDefs.find(x => x.name === a.name);
    if (existing) existing.value = String(value ?? '');
    else argDefs.push({ name: a.name, value: String(value ?? '') });
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name,
      labels: {
        'rollouts-pod-template-hash': latestHash,
        'rollout-type': kind === 'pre' ? 'PrePromotion' : 'PostPromotion',
      },
      annotations: {
        'rollout.argoproj.io/revision':
          ro.metadata.annotations?.['rollout.argoproj.io/revision'] ?? '',
      },
      ownerReferences: [ownerRef(ro)],
    },
    spec: { metrics, args: argDefs },
  };
}

/** Evaluates an Argo condition like `result[0] >= 0.95` (expr-lang subset). */
export function evaluateCondition(expr: string, result: number[]): boolean {
  const js = expr
    .replace(/\band\b/g, '&&')
    .replace(/\bor\b/g, '||')
    .replace(/\bnot\b/g, '!')
    .replace(/\blen\(result\)/g, 'result.length');
  if (!/^[\w\s\[\]\.<>=!&|()+\-*/%,]*$/.test(js))
    throw new Error(`unsupported condition: ${expr}`);
  // eslint-disable-next-line no-new-func
  const fn = new Function(
    'result',
    'isNaN',
    'isInf',
    'all',
    'any',
    `return (${js});`,
  );
  return Boolean(
    fn(
      result,
      (v: number) => Number.isNaN(v),
      (v: number) => !Number.isFinite(v) && !Number.isNaN(v),
      (xs: number[], f: (x: number) => boolean) => xs.every(f),
      (xs: number[], f: (x: number) => boolean) => xs.some(f),
    ),
  );
}

export class AnalysisController {
  private readonly running = new Set<string>();

  constructor(
    private readonly cluster: Cluster,
    private prometheusUrl?: string,
  ) {
    cluster.subscribe(e => this.onEvent(e));
  }

  setPrometheusUrl(url: string | undefined) {
    this.prometheusUrl = url;
  }

  private onEvent(e: StoreEvent) {
    if (e.typeKey !== AR || e.type === 'DELETED') return;
    const key = `${e.obj.metadata.namespace}/${e.obj.metadata.name}`;
    if (this.running.has(key)) return;
    if (
      e.obj.status?.phase &&
      !['Pending', 'Running'].includes(e.obj.status.phase)
    )
      return;
    this.running.add(key);
    setImmediate(() =>
      this.run(e.obj.metadata.namespace!, e.obj.metadata.name),
    );
  }

  private async query(address: string, q: string): Promise<number[]> {
    const base = this.prometheusUrl ?? address;
    const r = await fetch(
      `${base.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(q)}`,
      { signal: AbortSignal.timeout(5000) },
    );
    const body: any = await r.json();
    if (body.status !== 'success')
      throw new Error(body.error ?? `HTTP ${r.status}`);
    const d = body.data;
    if (d.resultType === 'scalar') return [Number(d.result[1])];
    return (d.result ?? []).map((x: any) => Number(x.value[1]));
  }

  private async run(ns: string, name: string) {
    const c = this.cluster;
    const type = c.type(AR);
    const key = `${ns}/${name}`;
    const get = () => c.store.peek(AR, ns, name)?.obj;
    const run = get();
    if (!run) {
      this.running.delete(key);
      return;
    }
    const args: Record<string, string> = {};
    for (const a of run.spec?.args ?? []) args[a.name] = a.value ?? '';
    const metrics: any[] = run.spec?.metrics ?? [];
    const results = metrics.map(m => ({
      name: m.name,
      phase: 'Running',
      measurements: [] as any[],
      count: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveError: 0,
    }));
    // The AnalysisRun CRD has no status subresource: status goes through the main resource.
    const write = (phase: string, message?: string) => {
      if (!get()) return;
      c.api.update(type, ns, name, o => {
        o.status = {
          phase,
          ...(message ? { message } : {}),
          startedAt: o.status?.startedAt ?? nowIso(),
          metricResults: results,
        };
        return o;
      });
    };
    write('Running');
    await Promise.all(
      metrics.map(async (m, i) => {
        const r = results[i];
        const interval = parseDuration(m.interval);
        const count = m.count ?? (m.interval ? Infinity : 1);
        const failureLimit = m.failureLimit ?? 0;
        const inconclusiveLimit = m.inconclusiveLimit ?? 0;
        const errorLimit = m.consecutiveErrorLimit ?? 4;
        if (m.initialDelay)
          await new Promise(res =>
            setTimeout(res, parseDuration(m.initialDelay)),
          );
        while (!c.timers.isStopped && get() && !get()!.spec?.terminate) {
          const started = nowIso();
          let phase = 'Successful';
          let value = '';
          let message: string | undefined;
          try {
            const prom = m.provider?.prometheus;
            if (!prom)
              throw new Error(
                'only the prometheus provider is supported by the sandbox',
              );
            const q = String(prom.query).replace(
              /\{\{\s*args\.([\w-]+)\s*\}\}/g,
              (_: string, k: string) => args[k] ?? '',
            );
            const result = await this.query(prom.address ?? '', q);
            value = `[${result.join(',')}]`;
            const ok = m.successCondition
              ? evaluateCondition(m.successCondition, result)
              : undefined;
            const bad = m.failureCondition
              ? evaluateCondition(m.failureCondition, result)
              : undefined;
            if (bad === true) phase = 'Failed';
            else if (ok === false && bad === undefined) phase = 'Failed';
            else if (ok === true) phase = 'Successful';
            else if (ok === false && bad === false) phase = 'Inconclusive';
            else phase = 'Successful';
          } catch (e) {
            phase = 'Error';
            message = (e as Error).message;
          }
          r.measurements.push({
            phase,
            startedAt: started,
            finishedAt: nowIso(),
            ...(value ? { value } : {}),
            ...(message ? { message } : {}),
          });
          if (r.measurements.length > 10)
            r.measurements.splice(0, r.measurements.length - 10);
          r.count++;
          if (phase === 'Successful') r.successful++;
          if (phase === 'Failed') r.failed++;
          if (phase === 'Inconclusive') r.inconclusive++;
          if (phase === 'Error') {
            r.error++;
            r.consecutiveError++;
          } else r.consecutiveError = 0;
          if (r.failed > failureLimit && failureLimit >= 0) r.phase = 'Failed';
          else if (r.consecutiveError > errorLimit) r.phase = 'Error';
          else if (r.inconclusive > inconclusiveLimit) r.phase = 'Inconclusive';
          write('Running');
          if (r.phase !== 'Running' || r.count >= count) break;
          await new Promise(res => setTimeout(res, interval || 1000));
        }
        if (r.phase === 'Running') r.phase = 'Successful';
      }),
    );
    this.running.delete(key);
    if (c.timers.isStopped) return;
    const phases = results.map(r => r.phase);
    const phase =
      ['Failed', 'Error', 'Inconclusive'].find(p => phases.includes(p)) ??
      'Successful';
    const bad = results.find(r => r.phase === phase && phase !== 'Successful');
    const why: Record<string, string> = bad
      ? {
          Failed: `failed (${bad.failed}) > failureLimit`,
          Error: `consecutiveErrors (${bad.consecutiveError}) > consecutiveErrorLimit`,
          Inconclusive: `inconclusive (${bad.inconclusive}) > inconclusiveLimit`,
        }
      : {};
    write(
      phase,
      bad
        ? `Metric "${bad.name}" assessed ${phase} due to ${why[phase]}`
        : undefined,
    );
  }
}
