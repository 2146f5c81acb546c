/** Thresholds of the checklists and the rollback criteria. */
export type Thresholds = {
  /** Post-deploy: 5xx ratio must stay below (0.001 = 0.1 %). */
  errorRatio: number;
  /** Post-deploy: a 4xx ratio above this many times the previous color's is a spike... */
  clientErrorSpikeFactor: number;
  /** ...and above the previous color's plus this much (absolute ratio). */
  clientErrorSpikeMargin: number;
  /** Post-deploy: P99 must stay below this many times the previous color's. */
  p99Factor: number;
  /** Post-deploy: requests per second band; without one, the previous color's ± rpsBandFactor. */
  rpsMin?: number;
  rpsMax?: number;
  rpsBandFactor: number;
  /** Pre-deploy: CPU and memory must stay below this share of the limits. */
  cpuRatio: number;
  memoryRatio: number;
  /** Restarts within the window that make a restart loop. */
  restarts: number;
  /** Rollback criteria: immediate rollback above this 5xx ratio (0.01 = 1 %). */
  rollbackErrorRatio: number;
  /** Investigate: P99 above this many times the previous color's. */
  investigateP99Factor: number;
  /** Investigate: CPU above this share of the limits. */
  investigateCpuRatio: number;
  /** Log signal: a spike is more error lines per minute per pod than this... */
  logErrorsPerMinute: number;
  /** ...and more than this many times the previous color's before the switch. */
  logErrorFactor: number;
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  errorRatio: 0.001,
  clientErrorSpikeFactor: 2,
  clientErrorSpikeMargin: 0.005,
  p99Factor: 1.2,
  rpsBandFactor: 0.5,
  cpuRatio: 0.8,
  memoryRatio: 0.8,
  restarts: 3,
  rollbackErrorRatio: 0.01,
  investigateP99Factor: 2,
  investigateCpuRatio: 0.9,
  logErrorsPerMinute: 10,
  logErrorFactor: 3,
};

/** Service level objectives of an entity. */
export type SloConfig = {
  availability: number;
  latency: number;
  latencyThresholdMs: number;
  /**
   * The `le` label of the histogram bucket the latency SLO counts, as the service's histogram
   * writes it (e.g. "0.25"); by default the threshold in seconds.
   */
  latencyBucket?: string;
  windowDays: number;
};

/** A number of days that enters PromQL as a range (`30d`): PromQL has no fractional durations. */
export function isWholeDays(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 365;
}
