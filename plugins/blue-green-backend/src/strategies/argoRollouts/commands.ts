import { ConflictError, isError } from '@backstage/errors';
import { BlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  SentRequest,
  StrategySnapshot,
  SwitchPlan,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  hashOf,
  POD_HASH_LABEL,
  REVISION_ANNOTATION,
  RolloutObjects,
  rolloutState,
  waitForRollout,
} from './revisions';

/** The status patch `kubectl argo rollouts promote [--full]` sends, plus a resourceVersion precondition. */
function promotePatches(rollout: KubeObject, full: boolean) {
  const rv = { resourceVersion: rollout.metadata.resourceVersion };
  const status: Record<string, unknown> = {};
  if (full) {
    if (rollout.status?.currentPodHash !== rollout.status?.stableRS) {
      status.promoteFull = true;
    }
  } else if ((rollout.status?.pauseConditions ?? []).length > 0) {
    status.pauseConditions = null;
  }
  return {
    status: Object.keys(status).length ? { metadata: rv, status } : undefined,
    spec: rollout.spec?.paused ? { spec: { paused: false } } : undefined,
  };
}

/**
 * A switch of a Rollout, as the kubectl plugin does it: promote (after `retry` when aborted),
 * `abort` back to a stable revision that is not replaced yet, or `undo` then promote.
 */
export async function switchRollout(
  kube: KubeClient,
  target: BlueGreenTarget,
  snapshot: StrategySnapshot<RolloutObjects>,
  plan: SwitchPlan,
  sent: SentRequest[],
): Promise<void> {
  const rollout = snapshot.objects.rollout!;
  const targetRs = snapshot.objects.colorSets[plan.to]!;
  const targetHash = hashOf(targetRs)!;
  const state = rolloutState(rollout);
  const patchRollout = async (
    body: object,
    subresource: 'status' | undefined,
    description: string,
    type: 'merge' | 'json' = 'merge',
  ) => {
    const written = await kube.patch(
      KUBE_RESOURCES.rollouts,
      target.namespace,
      target.rollout!,
      body,
      { type, subresource },
    );
    sent.push({
      description,
      patch: body,
      resourceVersion: written.metadata.resourceVersion,
    });
  };
  const timeoutMs = 60_000;

  const promote = async (current: KubeObject, full: boolean) => {
    const patches = promotePatches(current, full);
    if (patches.status) {
      await patchRollout(
        patches.status,
        'status',
        `kubectl argo rollouts promote${
          full ? ' --full' : ''
        }: PATCH rollouts/${target.rollout}/status`,
      );
    }
    if (patches.spec) {
      await patchRollout(
        patches.spec,
        undefined,
        `kubectl argo rollouts promote: PATCH rollouts/${target.rollout}`,
      );
    }
  };

  if (plan.action === 'promote') {
    let current = rollout;
    if (state.aborted) {
      // `kubectl argo rollouts retry rollout`: the new revision goes back to preview and pauses.
      await patchRollout(
        {
          metadata: { resourceVersion: rollout.metadata.resourceVersion },
          status: { abort: false },
        },
        'status',
        `kubectl argo rollouts retry rollout: PATCH rollouts/${target.rollout}/status`,
      );
      const paused = await waitForRollout(
        kube,
        target,
        timeoutMs,
        r => (r.status?.pauseConditions ?? []).length > 0 && !r.status?.abort,
      );
      if (!paused) {
        throw new ConflictError(
          `Rollout ${target.rollout} did not pause again after retry within ${timeoutMs} ms`,
        );
      }
      current = paused;
    }
    await promote(current, Boolean(plan.full));
    return;
  }

  // Rollback (and automatic rollback).
  if (
    state.currentPodHash !== state.stableRS &&
    targetHash === state.stableRS
  ) {
    // The new revision is not stable yet (paused, or in post-promotion analysis):
    // `kubectl argo rollouts abort` sends traffic back to the stable ReplicaSet.
    await patchRollout(
      {
        metadata: { resourceVersion: rollout.metadata.resourceVersion },
        status: { abort: true },
      },
      'status',
      `kubectl argo rollouts abort: PATCH rollouts/${target.rollout}/status`,
    );
    return;
  }

  // Fully promoted: `kubectl argo rollouts undo` puts the previous revision's template back …
  const template = JSON.parse(JSON.stringify(targetRs.spec.template));
  delete template.metadata?.labels?.[POD_HASH_LABEL];
  await patchRollout(
    [
      { op: 'test', path: '/spec/template', value: rollout.spec.template },
      { op: 'replace', path: '/spec/template', value: template },
    ],
    undefined,
    `kubectl argo rollouts undo: PATCH rollouts/${target.rollout}`,
    'json',
  );
  // … and, with autoPromotionEnabled: false, the Rollout pauses before switching: promote it.
  const tookBack = (r: KubeObject) =>
    r.status?.currentPodHash === targetHash &&
    ((r.status?.pauseConditions ?? []).length > 0 ||
      r.status?.blueGreen?.activeSelector === targetHash);
  let waiting = await waitForRollout(kube, target, timeoutMs, tookBack);
  if (!waiting) {
    throw new ConflictError(
      `Rollout ${target.rollout} did not take revision ${targetRs.metadata.annotations?.[REVISION_ANNOTATION]} back within ${timeoutMs} ms`,
    );
  }
  // The controller writes the Rollout's status several times as it pauses, so the promote's
  // resourceVersion can be stale already: a conflict here is the controller, not another switch.
  // Read again and promote while the Rollout still waits on the revision this rollback put back.
  for (let attempt = 1; ; attempt++) {
    if (waiting.status?.blueGreen?.activeSelector === targetHash) break;
    try {
      await promote(waiting, false);
      break;
    } catch (error) {
      if (!isError(error) || error.name !== 'ConflictError' || attempt >= 5)
        throw error;
      const again = await waitForRollout(kube, target, timeoutMs, tookBack);
      if (!again) throw error;
      waiting = again;
    }
  }
}

/**
 * Puts a Rollout's template back where `before` had it, after a rollback whose undo landed but
 * whose promote did not: the new revision stays live and stable, and nothing waits in preview.
 * A compare-and-swap on the template `now` shows.
 */
export async function restoreRollout(
  kube: KubeClient,
  target: BlueGreenTarget,
  before: StrategySnapshot<RolloutObjects>,
  now: StrategySnapshot<RolloutObjects>,
  sent: SentRequest[],
): Promise<void> {
  const was = before.objects.rollout?.spec?.template;
  const is = now.objects.rollout?.spec?.template;
  if (!was || !is || JSON.stringify(was) === JSON.stringify(is)) return;
  const patch = [
    { op: 'test' as const, path: '/spec/template', value: is },
    { op: 'replace' as const, path: '/spec/template', value: was },
  ];
  const written = await kube.patch(
    KUBE_RESOURCES.rollouts,
    target.namespace,
    target.rollout!,
    patch,
    { type: 'json' },
  );
  sent.push({
    description: `undo of the undo: PATCH rollouts/${target.rollout} (the template before the rollback)`,
    patch,
    resourceVersion: written.metadata.resourceVersion,
  });
  // The controller takes the stable revision back as current, with nothing left to promote:
  // what the caller reads next is that, not the moment in between.
  await waitForRollout(
    kube,
    target,
    60_000,
    r =>
      r.status?.currentPodHash === r.status?.stableRS &&
      (r.status?.pauseConditions ?? []).length === 0,
  );
}
