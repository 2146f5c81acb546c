import { ConflictError, isError } from '@backstage/errors';
import { BlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  DeployChange,
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  SentRequest,
  StrategySnapshot,
  SwitchPlan,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { setsVersionLabel } from '../deployments';
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

/** The images of a pod template's containers, by container name (what a deploy changes). */
const imagesOf = (rollout: KubeObject) =>
  JSON.stringify(
    ['initContainers', 'containers', 'ephemeralContainers'].map(field =>
      (rollout.spec?.template?.spec?.[field] ?? []).map((c: any) => [
        c.name,
        c.image,
      ]),
    ),
  );

/**
 * `kubectl argo rollouts set image ROLLOUT CONTAINER=IMAGE`: the Rollout read, the image set on
 * every container of that name, and the whole object PUT back with the resourceVersion it was
 * read at — retried on a conflict (the controller writes the Rollout often), as the kubectl plugin
 * does, as long as the template's images are still those the deploy was decided on. With a
 * version, the same PUT sets the template's `version` label. The Rollout creates a new revision,
 * which takes the idle color behind the preview Service.
 */
export async function setRolloutImage(
  kube: KubeClient,
  target: BlueGreenTarget,
  snapshot: StrategySnapshot<RolloutObjects>,
  change: DeployChange,
  sent: SentRequest[],
): Promise<void> {
  const decidedOn = imagesOf(snapshot.objects.rollout!);
  let rollout = snapshot.objects.rollout!;
  for (let attempt = 1; ; attempt++) {
    const body: KubeObject = JSON.parse(JSON.stringify(rollout));
    let found = false;
    for (const field of [
      'initContainers',
      'containers',
      'ephemeralContainers',
    ]) {
      for (const container of body.spec.template.spec[field] ?? []) {
        if (container.name === change.container) {
          container.image = change.image;
          found = true;
        }
      }
    }
    if (!found) {
      throw new ConflictError(
        `unable to find container named "${change.container}" in Rollout ${target.rollout}`,
      );
    }
    if (setsVersionLabel(body, change.version)) {
      body.spec.template.metadata.labels.version = change.version;
    }
    try {
      const written = await kube.replace(
        KUBE_RESOURCES.rollouts,
        target.namespace,
        target.rollout!,
        body,
      );
      sent.push({
        description: `kubectl argo rollouts set image ${target.rollout} ${change.container}=${change.image}: PUT rollouts/${target.rollout}`,
        patch: { spec: { template: body.spec.template } },
        resourceVersion: written.metadata.resourceVersion,
      });
      return;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 5) throw error;
      const fresh = await kube.get(
        KUBE_RESOURCES.rollouts,
        target.namespace,
        target.rollout!,
      );
      if (!fresh || imagesOf(fresh) !== decidedOn) {
        throw new ConflictError(
          `the Rollout's template changed while deploying (another deploy won); reload and decide again`,
        );
      }
      rollout = fresh;
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
