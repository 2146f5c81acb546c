import { Config, ConfigReader } from '@backstage/config';

/** The `blueGreen` section of app-config, read and checked once at start-up. */
export type BlueGreenConfig = {
  /** How long to wait for the cluster to show a switch took effect. */
  verifyTimeoutMs: number;
  /** Default pause between Istio weight steps. */
  stepIntervalMs: number;
  /** Scale the previous color down after a promote (per-entity annotation overrides the delay). */
  scaleDown: { enabled: boolean; delaySeconds: number; replicas: number };
  /** An operation still "in progress" after this long belongs to a backend that stopped. */
  interruptedAfterMs: number;
  /** How often a backend looks for such operations. */
  sweepIntervalSeconds: number;
};

function nonNegative(config: Config, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`blueGreen.${key} must be a number >= 0, got ${value}`);
  }
  return value;
}

export function readBlueGreenConfig(root: Config): BlueGreenConfig {
  const config = root.getOptionalConfig('blueGreen') ?? new ConfigReader({});
  return {
    verifyTimeoutMs:
      nonNegative(config, 'switch.verifyTimeoutSeconds', 30) * 1000,
    stepIntervalMs:
      nonNegative(config, 'switch.stepIntervalSeconds', 30) * 1000,
    interruptedAfterMs:
      nonNegative(config, 'switch.interruptedAfterSeconds', 600) * 1000,
    sweepIntervalSeconds: Math.max(
      1,
      nonNegative(config, 'switch.sweepIntervalSeconds', 60),
    ),
    scaleDown: {
      enabled: config.getOptionalBoolean('scaleDown.enabled') ?? false,
      delaySeconds: nonNegative(config, 'scaleDown.delaySeconds', 30),
      replicas: nonNegative(config, 'scaleDown.replicas', 0),
    },
  };
}
