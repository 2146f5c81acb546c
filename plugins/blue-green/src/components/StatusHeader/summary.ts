import {
  Checklist,
  ChecklistItem,
  ColorStatus,
  CriterionStatus,
  EntityStatus,
  HistoryEntry,
  PodSummary,
} from '@bluegreen-backstage/plugin-blue-green-common';

/** How an answer of the header reads at a glance (drives its icon). */
export type Tone = 'ok' | 'running' | 'pending' | 'warning' | 'error';

/** One answer of the header: a short text, its tone, and where the details are. */
export type Answer = { tone: Tone; text: string; details?: DetailsTab };

/** The detail tabs below the header; an answer links to the one that explains it. */
export type DetailsTab =
  | 'environments'
  | 'checklist'
  | 'watch'
  | 'metrics'
  | 'history'
  | 'diagnostics';

/** The one thing to do next. The tab turns it into a button; `none` shows only the text. */
export type NextAction =
  | { kind: 'promote'; text: string }
  | { kind: 'rollback'; text: string }
  | { kind: 'sign-off'; text: string; items: string[] }
  | { kind: 'scale'; text: string }
  | { kind: 'deploy'; text: string }
  | { kind: 'open'; text: string; details: DetailsTab }
  | { kind: 'none'; text: string };

export type Summary = {
  idle: Answer;
  last: Answer;
  next: NextAction;
};

/** Waiting reasons that are normal steps of a starting container, not errors. */
const STARTING = new Set([
  'ContainerCreating',
  'PodInitializing',
  'Pulling',
  'Pending',
]);

/** A pod that is on its way to Ready (scheduling, pulling, creating), as opposed to stuck. */
export function isStarting(pod: PodSummary): boolean {
  if (pod.ready) return false;
  if (pod.waitingReason) return STARTING.has(pod.waitingReason);
  // Running but not Ready yet, with no restart: the readiness probe has not passed yet.
  return pod.phase === 'Pending' || (pod.phase === 'Running' && !pod.restarts);
}

/** The pod problem that keeps a color from Ready, if one is stuck rather than starting. */
function stuckPod(color: ColorStatus): PodSummary | undefined {
  return color.pods.find(p => !p.ready && !isStarting(p));
}

/**
 * A tripped rollback criterion as one line, e.g. "5xx ratio 2.22 % > 1.00 % sustained" from the
 * criterion "5xx ratio above the rollback threshold" (its threshold is the trip condition).
 */
export function criterionText(c: CriterionStatus): string {
  const observed = c.observed ?? 'no data';
  const limit = c.threshold?.match(/^([<>≤≥])\s*(.+)$/);
  if (!limit) return `${c.title}: ${observed}`;
  const name = c.title.replace(/\s+(above|below)\b.*$/, '');
  return `${name} ${observed} ${limit[1]} ${limit[2]}`;
}

const SWITCH_VERB: Partial<Record<HistoryEntry['action'], string>> = {
  promote: 'promoted',
  rollback: 'rolled back',
  'auto-rollback': 'rolled back automatically',
};

function tripped(c: CriterionStatus) {
  return c.firing || c.status === 'fail';
}

/** " (0.4 %, needs < 0.1 %)" for a failing check, as far as it has values. */
function checkValue(item: ChecklistItem): string {
  if (!item.observed) return '';
  return item.threshold
    ? ` (${item.observed}, needs ${item.threshold})`
    : ` (${item.observed})`;
}

/** The version of a color as people name it: "v1.1.0", or the color alone. */
export function versionOf(color: ColorStatus): string {
  return color.version ? ` ${color.version}` : '';
}

function idleAnswer(
  status: EntityStatus,
  checklist: Checklist | undefined,
): Answer & { missing?: ChecklistItem[]; failing?: ChecklistItem } {
  const target = status.promote.target;
  if (!target) {
    return { tone: 'pending', text: 'no idle color to promote' };
  }
  const idle = status.colors[target];
  const name = `${target}${versionOf(idle)}`;
  if (!idle.workload) {
    return {
      tone: 'error',
      text: `${target} has no workload in the cluster`,
      details: 'diagnostics',
    };
  }
  const { ready, desired } = idle.replicas;
  if (desired === 0) {
    return {
      tone: 'warning',
      text: `${name} is scaled to 0`,
      details: 'environments',
    };
  }
  if (ready < desired) {
    const stuck = stuckPod(idle);
    if (stuck) {
      return {
        tone: 'error',
        text: `${name} not ready: ${ready}/${desired}, ${
          stuck.waitingReason ?? stuck.lastTerminationReason ?? stuck.phase
        } on ${stuck.name}`,
        details: 'diagnostics',
      };
    }
    const step = idle.pods.find(p => p.waitingReason)?.waitingReason;
    return {
      tone: 'running',
      text: `${name} starting: ${ready}/${desired} ready${
        step ? ` (${step})` : ''
      }`,
      details: 'environments',
    };
  }
  // While the new version is watched, the previous one is the way back, not the next release.
  if (status.watch?.state === 'running' && status.watch.previous === target) {
    return {
      tone: 'ok',
      text: `${name} stands by for a rollback: ${ready}/${desired} pods ready`,
      details: 'environments',
    };
  }
  // A version that was rolled back reads as such, not as ready: promoting it again needs force.
  const failed = status.failedVersion;
  if (failed && failed.color === target) {
    return {
      tone: 'error',
      text: `${target} ${
        failed.version ?? failed.images.join(', ')
      } was rolled back: ${failed.reason}`,
      details: 'history',
    };
  }
  if (checklist && checklist.color === target) {
    const required = checklist.items.filter(i => i.required);
    const failing = required.find(i => i.status === 'fail');
    if (failing) {
      return {
        tone: 'error',
        text: `${name} not ready: ${failing.title} fails${checkValue(failing)}`,
        details: 'checklist',
        failing,
      };
    }
    const missing = required.filter(
      i => i.kind === 'manual' && i.status !== 'pass',
    );
    if (missing.length > 0) {
      return {
        tone: 'warning',
        text: `${name} is waiting for ${missing.length} sign-off${
          missing.length > 1 ? 's' : ''
        }`,
        details: 'checklist',
        missing,
      };
    }
    const open = required.find(i => i.status !== 'pass');
    if (open) {
      return {
        tone: 'pending',
        text: `${name}: ${open.title} is ${open.status}`,
        details: 'checklist',
      };
    }
  }
  if (!status.promote.allowed && status.promote.reasons.length > 0) {
    return {
      tone: 'warning',
      text: `${name} not ready: ${status.promote.reasons[0]}`,
      details: 'checklist',
    };
  }
  return {
    tone: 'ok',
    text: `${name} is ready: ${ready}/${desired} pods, checks pass`,
  };
}

/** Whether the last release failed its watch: rolled back, or failing now. */
function lastAnswer(
  status: EntityStatus,
  lastSwitch: HistoryEntry | undefined,
  now: number,
): Answer {
  const { watch, inProgress } = status;
  if (inProgress) {
    return {
      tone: 'running',
      text: `${inProgress.action} to ${inProgress.to} is running (${inProgress.actor})`,
      details: 'history',
    };
  }
  // A switch by hand after the watch ended (e.g. a rollback) is what happened last.
  const laterSwitch =
    watch &&
    watch.state !== 'running' &&
    lastSwitch &&
    lastSwitch.action !== 'auto-rollback' &&
    Date.parse(lastSwitch.createdAt) > Date.parse(watch.startedAt) + 1000;
  if (watch && !laterSwitch) {
    // The criterion that rolls back matters most; the others are one click away.
    const fired = watch.criteria
      .filter(tripped)
      .sort(
        (a, b) =>
          Number(b.action === 'rollback') - Number(a.action === 'rollback'),
      );
    const evidence = fired.length
      ? `${criterionText(fired[0])}${
          fired.length > 1 ? ` (+${fired.length - 1} more)` : ''
        }`
      : '';
    if (watch.state === 'rolled-back') {
      return {
        tone: 'error',
        text: `${watch.promotedTo} rolled back automatically: ${
          evidence || watch.result || 'a rollback criterion tripped'
        }`,
        details: 'watch',
      };
    }
    if (watch.state === 'running') {
      const left = Math.max(
        0,
        Math.round((Date.parse(watch.endsAt) - now) / 60_000),
      );
      if (fired.length > 0) {
        const rolls = fired.some(c => c.action === 'rollback');
        return {
          tone: 'error',
          text: `watch failing on ${watch.promotedTo}: ${evidence}${
            rolls && watch.autoRollback ? ' (rolling back automatically)' : ''
          }`,
          details: 'watch',
        };
      }
      return {
        tone: 'running',
        text: `promoted to ${watch.promotedTo}; watching, ${
          left > 0 ? `about ${left} min left` : 'ending now'
        }, no criterion failing`,
        details: 'watch',
      };
    }
    if (watch.state === 'passed') {
      return {
        tone: 'ok',
        text: `promoted to ${watch.promotedTo}; the post-deploy watch passed`,
        details: 'watch',
      };
    }
    return {
      tone: 'warning',
      text: `post-deploy watch stopped${
        watch.result ? `: ${watch.result}` : ''
      }`,
      details: 'watch',
    };
  }
  if (lastSwitch) {
    const verb = SWITCH_VERB[lastSwitch.action] ?? lastSwitch.action;
    return {
      tone: lastSwitch.outcome === 'succeeded' ? 'ok' : 'warning',
      text: `${verb} to ${lastSwitch.to} by ${lastSwitch.actor} (${lastSwitch.outcome})`,
      details: 'history',
    };
  }
  return { tone: 'pending', text: 'no switch yet', details: 'history' };
}

function nextAction(
  status: EntityStatus,
  idle: ReturnType<typeof idleAnswer>,
): NextAction {
  const { watch, inProgress } = status;
  const target = status.promote.target;
  if (inProgress) return { kind: 'none', text: 'wait for the switch to end' };
  if (watch?.state === 'running' && watch.criteria.some(tripped)) {
    return {
      kind: 'rollback',
      text: `Roll back to ${watch.previous} now`,
    };
  }
  if (watch?.state === 'running') {
    return {
      kind: 'open',
      text: 'Follow the watch',
      details: 'watch',
    };
  }
  if (!target) return { kind: 'none', text: 'nothing to promote' };
  const color = status.colors[target];
  if (color.workload && color.replicas.desired === 0) {
    return { kind: 'scale', text: `Scale ${target} up` };
  }
  if (status.failedVersion?.color === target) {
    return { kind: 'deploy', text: `Deploy a fixed version to ${target}` };
  }
  if (idle.missing?.length) {
    return {
      kind: 'sign-off',
      text: `Sign off ${idle.missing.length} item${
        idle.missing.length > 1 ? 's' : ''
      }`,
      items: idle.missing.map(i => i.id),
    };
  }
  if (idle.tone === 'error' && idle.details) {
    return { kind: 'open', text: 'See why', details: idle.details };
  }
  if (idle.tone === 'running') {
    return { kind: 'none', text: `wait for ${target} to be ready` };
  }
  return {
    kind: 'promote',
    text: `Promote ${target}${versionOf(color)}`,
  };
}

/**
 * The header's answers, from the status, the pre-deploy checklist and the last switch: is the idle
 * color ready (and if not, the one reason that matters), what happened last, and what to do next.
 */
export function summarize(
  status: EntityStatus,
  checklist: Checklist | undefined,
  lastSwitch: HistoryEntry | undefined,
  now = Date.now(),
): Summary {
  const idle = idleAnswer(status, checklist);
  return {
    idle: { tone: idle.tone, text: idle.text, details: idle.details },
    last: lastAnswer(status, lastSwitch, now),
    next: nextAction(status, idle),
  };
}
