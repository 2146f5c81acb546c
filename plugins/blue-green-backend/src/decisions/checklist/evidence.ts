import {
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { SignOffs } from '../../database/SignOffStore';
import { MetricReading, MetricReadings } from '../../prometheus/metrics';
import { LogEvidence } from '../logSignalSettings';

/** A probe's answer: a health endpoint, or one dependency (`notProbed`: not a host it may contact). */
export type Probe = { ok: boolean; detail: string; notProbed?: boolean };

/**
 * Everything a checklist is decided on that is not in the strategy's snapshot, read in one
 * parallel round by the observation layer. A field is absent when the phase does not need it.
 */
export type ChecklistEvidence = {
  /** Prometheus readings of the phase's metrics, both colors (empty without a Prometheus). */
  readings: MetricReadings;
  /** Post-deploy: the same metrics at the switch, for the baseline of the previous color. */
  baseline?: MetricReadings;
  /** Whether a Prometheus is configured for the entity's cluster. */
  prometheusConfigured: boolean;
  /** Health endpoint of each probed color, through the pods proxy. */
  health: Partial<Record<Color, Probe>>;
  /** The dependency probes; undefined when the entity names none (the item is then manual). */
  dependencies?: Probe[];
  /** The switched Service's sessionAffinity. */
  sessionAffinity?: string;
  /** Items from the strategy's controller (Argo Rollouts' AnalysisRuns), per color. */
  strategyItems: Partial<Record<Color, ChecklistItem[]>>;
  /** SLO readings: over the SLO window, and over the last hour (the burn rate). */
  slo?: { window: MetricReadings; hour: MetricReadings };
  /** Readings of the entity's custom checks of the phase, by check id. */
  custom?: Record<string, MetricReading>;
  /** Post-deploy: the log signal's counts, when it is on. */
  logs?: LogEvidence;
  /** Sign-offs of each read color's current version. */
  signOffs: Map<Color, SignOffs>;
};
