import type { Color } from './colors';

/**
 * What a switch strategy can do. Clients (the entity tab, the scaffolder actions) decide what to
 * offer from these, never from the strategy's name, so a strategy added by a backend module is
 * offered exactly what it supports.
 *
 * @public
 */
export type StrategyCapabilities = {
  /** Promote can move traffic in steps (`steps`, `stepIntervalSeconds` of the switch request). */
  steppedShift: boolean;
  /** Promote can skip the strategy's remaining pauses and analysis (`full`). */
  fullPromote: boolean;
  /** A header route can send matching requests to the idle color (`POST …/preview-route`). */
  previewRoute: boolean;
  /** A share of live traffic can be mirrored to the idle color (`POST …/mirror`). */
  mirror: boolean;
  /** The replicas of a color can be set (`POST …/scale`, the fleet's scale-down). */
  scale: boolean;
  /** The strategy scales the previous color down itself, so the plugin schedules no scale-down. */
  managesScaleDown: boolean;
  /** Rollback needs the previous color ready; false when the strategy brings it back up itself. */
  rollbackNeedsReadyTarget: boolean;
  /**
   * A new image can be put on the idle color (`POST …/deploy`). The entity status always sends
   * it; a strategy that leaves it out cannot deploy.
   */
  deploy?: boolean;
};

/**
 * One fact about how an entity's traffic is switched (the Service selector, the Rollout's phase,
 * the routes), ready to show as a label and a value.
 *
 * @public
 */
export type StrategyFact = { label: string; value: string };

/**
 * The idle color's traffic controls as they are now, for strategies with `previewRoute` or
 * `mirror`.
 *
 * @public
 */
export type TrafficControls = {
  /** Requests carrying this header and value reach `color`. */
  previewRoute?: { header: string; value: string; color: Color };
  /** This share of live traffic is copied to `color`. */
  mirror?: { color: Color; percent: number };
};
