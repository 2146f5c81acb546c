import {
  Checklist,
  ChecklistItem,
  Color,
  HistoryEntry,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../../config';
import { CriteriaSettings } from '../criteriaSettings';
import { CustomCheck, customItem } from '../customChecks';
import { logItem } from '../logSignal';
import { liveColorOf } from '../switchDecision';
import { SloConfig, Thresholds } from '../thresholds';
import { ChecklistEvidence } from './evidence';
import {
  blockingReasons,
  finishItems,
  overallStatus,
  unskippable,
} from './manualItems';
import { postDeployItems } from './postDeploy';
import { preDeployItems } from './preDeploy';
import { sloItems } from './slo';

/** `pre`: the idle color before a promote; `post`: the live color after it. */
export type Phase = 'pre' | 'post';

/** Which color a phase checks, and which color is live (the last switch's target mid-shift). */
export function phaseColors(
  snapshot: StrategySnapshot,
  phase: Phase,
  lastSwitch?: HistoryEntry,
): { color: Color; live: Color } {
  const live = liveColorOf(snapshot) ?? lastSwitch?.to ?? 'blue';
  return { color: phase === 'pre' ? otherColor(live) : live, live };
}

/** What an entity's checklist is judged against: config, then its annotations. */
export type ChecklistSettings = {
  thresholds: Thresholds;
  slo: SloConfig;
  healthPath: string;
  /** Item ids the entity leaves out. */
  skipped: Set<string>;
  /** Per-item overrides from config. */
  items: BlueGreenConfig['checks']['items'];
  /** The rollback criteria of the post-promote watch (and of each step of a stepped shift). */
  criteria: CriteriaSettings;
  /** The entity's custom checks (each in the phases it names). */
  custom: CustomCheck[];
};

const NO_PROMETHEUS =
  'no Prometheus is configured (blueGreen.prometheus.url): metric checks are unknown';

/**
 * A phase's checklist, decided on the snapshot and the evidence read for it: the automatic items
 * of the phase, the strategy's own, the manual items with their sign-offs, and the overall status.
 */
export function buildChecklist(input: {
  phase: Phase;
  snapshot: StrategySnapshot;
  lastSwitch?: HistoryEntry;
  settings: ChecklistSettings;
  evidence: ChecklistEvidence;
  now?: Date;
}): Checklist {
  const { phase, snapshot, settings, evidence } = input;
  const { color, live } = phaseColors(snapshot, phase, input.lastSwitch);
  const warnings: string[] = [];
  if (!evidence.prometheusConfigured) warnings.push(NO_PROMETHEUS);
  const strategyItems = evidence.strategyItems[color] ?? [];

  let items: ChecklistItem[];
  if (phase === 'pre') {
    const slo = sloItems(settings.slo, live, evidence.slo, warnings);
    items = preDeployItems({
      color,
      snapshot,
      readings: evidence.readings,
      health: evidence.health[color] ?? {
        ok: false,
        detail: `${color} was not probed`,
      },
      healthPath: settings.healthPath,
      dependencies: evidence.dependencies,
      sessionAffinity: evidence.sessionAffinity,
      analysis: strategyItems,
      slo,
      thresholds: settings.thresholds,
      prometheusConfigured: evidence.prometheusConfigured,
      warnings,
    });
  } else {
    items = [
      ...postDeployItems({
        color,
        previous: otherColor(color),
        snapshot,
        readings: evidence.readings,
        baseline: evidence.baseline ?? {},
        thresholds: settings.thresholds,
        warnings,
      }),
      ...strategyItems,
      ...(evidence.logs ? [logItem(evidence.logs, settings.thresholds)] : []),
    ];
  }
  for (const check of settings.custom ?? []) {
    if (!check.phases.includes(phase)) continue;
    items.push(
      customItem(check, evidence.custom?.[check.id], color, phase, warnings),
    );
  }
  items = finishItems(
    phase,
    items,
    evidence.signOffs.get(color) ?? new Map(),
    settings.items,
    settings.skipped,
  );
  const kept = unskippable(items, settings.skipped);
  if (kept.length > 0) {
    warnings.push(
      `blue-green.backstage.io/skip-checks leaves out optional items only; these are required and stay: ${kept.join(
        ', ',
      )} (the platform can relax one with blueGreen.checks.items.<id>.required)`,
    );
  }
  return {
    phase,
    color,
    version: snapshot.colors[color].version,
    status: overallStatus(items),
    items,
    evaluatedAt: (input.now ?? new Date()).toISOString(),
    warnings,
  };
}

/** Why promote must wait on a pre-deploy checklist: its required items that do not pass. */
export const promoteReasonsOf = (checklist: Checklist) =>
  blockingReasons(checklist.items);
