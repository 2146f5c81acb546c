import {
  BlueGreenTarget,
  Color,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubeClient,
  KubeObject,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  countPodLog,
  LogCount,
  LogEvidence,
  logPattern,
  sumCounts,
} from '../../decisions/logSignal';
import { LogSignalSettings } from '../../decisions/logSignalSettings';
import { LokiClient } from '../../loki/LokiClient';
import { logqlValues, renderLogql } from '../../loki/logql';

type Span = { from: Date; to: Date };

const seconds = (span: Span) =>
  Math.max(1, Math.ceil((span.to.getTime() - span.from.getTime()) / 1000));

/**
 * Reads the log signal's evidence: the error lines of the checked color's pods since the switch
 * (at most `logs.window` back), and of the previous color over the same length of time before the
 * switch, for its baseline. Through the Kubernetes API's pod logs (bounded by time, lines and
 * bytes per pod, a few pods per color), or as one LogQL count per color when Loki is configured.
 * A read that fails is the count's error: the signal is then unknown, never passing.
 */
export class LogSignalReader {
  readonly #settings: LogSignalSettings;
  readonly #pattern: RegExp;
  readonly #loki?: LokiClient;

  constructor(settings: LogSignalSettings) {
    this.#settings = settings;
    this.#pattern = logPattern(settings.patterns);
    this.#loki = settings.loki && new LokiClient(settings.loki);
  }

  get enabled(): boolean {
    return this.#settings.enabled;
  }

  async read(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot,
    options: { color: Color; switchedAt?: Date; now?: Date },
  ): Promise<LogEvidence> {
    const { color, switchedAt } = options;
    const now = options.now ?? new Date();
    const window = this.#settings.windowMs;
    const windowStart = now.getTime() - window;
    const current: Span = {
      from: new Date(Math.max(windowStart, switchedAt?.getTime() ?? 0)),
      to: now,
    };
    const previous = otherColor(color);
    const baseline: Span = switchedAt
      ? { from: new Date(switchedAt.getTime() - window), to: switchedAt }
      : { from: new Date(windowStart), to: now };
    const [currentCount, baselineCount] = await Promise.all([
      this.#count(kube, target, snapshot, color, current, now),
      this.#count(kube, target, snapshot, previous, baseline, now),
    ]);
    return {
      color,
      current: currentCount,
      previous,
      // A previous color without pods (scaled down) has no baseline.
      baseline: baselineCount.pods > 0 ? baselineCount : undefined,
    };
  }

  #count(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot,
    color: Color,
    span: Span,
    now: Date,
  ): Promise<LogCount> {
    // Pods being deleted and pods not started have no log worth reading.
    const pods = (snapshot.raw.pods[color] as KubeObject[])
      .filter(
        (p: any) =>
          p.status?.phase === 'Running' && !p.metadata.deletionTimestamp,
      )
      .slice(0, this.#settings.maxPods);
    if (this.#loki) return this.#countLoki(target, pods, span);
    return this.#countPodLogs(kube, target, pods, span, now);
  }

  async #countPodLogs(
    kube: KubeClient,
    target: BlueGreenTarget,
    pods: KubeObject[],
    span: Span,
    now: Date,
  ): Promise<LogCount> {
    const { tailLines, limitBytes } = this.#settings;
    // The API server's sinceSeconds counts back from now, the span may end earlier (a baseline).
    const since = seconds({ from: span.from, to: now });
    const command = (pod: string, container?: string) =>
      `kubectl logs -n ${target.namespace} ${pod}${
        container ? ` -c ${container}` : ''
      } --since=${since}s --tail=${tailLines} --limit-bytes=${limitBytes} --timestamps`;
    const results = await Promise.all(
      pods.map(async pod => {
        const name = pod.metadata.name;
        const container: string | undefined = pod.spec?.containers?.[0]?.name;
        const started = Date.parse(pod.status?.startTime ?? '');
        const podSpan = {
          from: new Date(
            Math.max(span.from.getTime(), Number.isNaN(started) ? 0 : started),
          ),
          to: span.to,
        };
        try {
          const text = await kube.podLog({
            namespace: target.namespace,
            name,
            container,
            sinceSeconds: since,
            tailLines,
            limitBytes,
            timestamps: true,
          });
          return countPodLog(text, this.#pattern, podSpan, {
            tailLines,
            limitBytes,
          });
        } catch (error) {
          return {
            error: `could not read the logs of ${name}: ${
              (error as Error).message
            }`,
          };
        }
      }),
    );
    const read = results.filter(
      (r): r is Exclude<typeof r, { error: string }> => !('error' in r),
    );
    const first = pods[0];
    const source = first
      ? `${command(first.metadata.name, first.spec?.containers?.[0]?.name)}${
          pods.length > 1 ? ` (and ${pods.length - 1} more pods)` : ''
        }`
      : 'no running pods';
    const count = sumCounts(read, source);
    // Some pods read is enough (one may just have gone); none read is not knowing.
    const failed = results.find(r => 'error' in r) as
      | { error: string }
      | undefined;
    if (read.length === 0 && failed) return { ...count, error: failed.error };
    return count;
  }

  async #countLoki(
    target: BlueGreenTarget,
    pods: KubeObject[],
    span: Span,
  ): Promise<LogCount> {
    const query = renderLogql(
      this.#settings.loki!.query,
      logqlValues({
        namespace: target.namespace,
        pods: pods.map(p => p.metadata.name),
        patterns: this.#settings.patterns,
        window: `${seconds(span)}s`,
      }),
    );
    const minutes = seconds(span) / 60;
    const source = `LogQL at ${span.to.toISOString()}: ${query}`;
    const base = { pods: pods.length, samples: [], source };
    if (pods.length === 0) return { ...base, lines: 0, podMinutes: 0 };
    try {
      const lines = await this.#loki!.count(query, span.to);
      return { ...base, lines, podMinutes: minutes * pods.length };
    } catch (error) {
      return {
        ...base,
        lines: 0,
        podMinutes: 0,
        error: (error as Error).message,
      };
    }
  }
}
