import {
  Color,
  COLORS,
  ColorStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  missingColor,
  objectVersionOf,
  selectorString,
  summarizePod,
  templateImages,
  templateVersion,
} from '../workloads';
import { analysisRunItems } from './analysisRuns';
import { restoreRollout, setRolloutImage, switchRollout } from './commands';
import {
  assignColors,
  hashOf,
  POD_HASH_LABEL,
  REVISION_ANNOTATION,
  RolloutObjects,
  rolloutState,
  waitForRollout,
} from './revisions';

type Objects = RolloutObjects;

/**
 * An Argo Rollout with active and preview Services and `autoPromotionEnabled: false`. Promote and
 * rollback send exactly what `kubectl argo rollouts promote | promote --full | abort | retry |
 * undo` send, each with a resourceVersion precondition so a concurrent change is refused. Argo
 * sizes its ReplicaSets itself: the plugin neither scales them nor schedules a scale-down.
 */
export const argoRolloutsStrategy: SwitchStrategy<Objects> = {
  name: 'argo-rollouts',
  capabilities: {
    steppedShift: false,
    fullPromote: true,
    previewRoute: false,
    mirror: false,
    scale: false,
    managesScaleDown: true,
    // `undo` scales a previous revision back up by itself.
    rollbackNeedsReadyTarget: false,
    deploy: true,
  },
  fleetLists: [
    { resource: KUBE_RESOURCES.rollouts },
    // The active Services, where the live traffic goes.
    { resource: KUBE_RESOURCES.services },
    // Only the ReplicaSets a Rollout owns carry this label; Deployments' ReplicaSets stay out.
    { resource: KUBE_RESOURCES.replicasets, labelSelector: POD_HASH_LABEL },
  ],

  switchedObject: target => ({
    resource: KUBE_RESOURCES.rollouts,
    namespace: target.namespace,
    name: target.rollout!,
  }),

  // The Rollout is the workload too; its ReplicaSets and Services are its controller's to write.
  entityObjects: (target, snapshot) => [
    {
      kind: 'Rollout',
      namespace: target.namespace,
      name: target.rollout!,
      object: snapshot.objects.rollout,
    },
  ],

  liveService: (target, snapshot) =>
    (snapshot.details as { activeService?: string }).activeService ??
    target.service,

  metricGroup: (_target, snapshot) => {
    // Argo's pods carry no color: each color is the pod-template hash of its ReplicaSet.
    const byHash = new Map<string, Color>();
    for (const color of COLORS) {
      const hash = snapshot.colors[color].workload?.podTemplateHash;
      if (hash) byHash.set(hash, color);
    }
    return { label: POD_HASH_LABEL, colorOf: value => byHash.get(value) };
  },

  evidence: analysisRunItems,

  async read(kube, target) {
    const rollout = await kube.get(
      KUBE_RESOURCES.rollouts,
      target.namespace,
      target.rollout!,
    );
    const problems: string[] = [];
    if (!rollout) {
      problems.push(
        `Rollout ${target.namespace}/${target.rollout} does not exist (is Argo Rollouts installed?)`,
      );
    }
    const labelSelector = rollout?.spec?.selector
      ? selectorString(rollout.spec.selector)
      : undefined;
    const activeService: string =
      rollout?.spec?.strategy?.blueGreen?.activeService ?? target.service;
    const [replicaSets, pods, service] = labelSelector
      ? await Promise.all([
          kube
            .list(KUBE_RESOURCES.replicasets, target.namespace, {
              labelSelector,
            })
            .then(l =>
              l.items.filter(rs =>
                rs.metadata.ownerReferences?.some(
                  o => o.uid === rollout!.metadata.uid,
                ),
              ),
            ),
          kube
            .list(KUBE_RESOURCES.pods, target.namespace, { labelSelector })
            .then(l => l.items),
          kube.get(KUBE_RESOURCES.services, target.namespace, activeService),
        ])
      : [[], [], undefined];
    const colorSets = rollout ? assignColors(rollout, replicaSets) : {};
    const objects: Objects = { rollout, replicaSets, pods, colorSets, service };
    const state = rolloutState(rollout);
    const blueGreen = rollout?.spec?.strategy?.blueGreen;
    if (rollout && !blueGreen) {
      problems.push(
        `Rollout ${target.rollout} does not use the blueGreen strategy`,
      );
    }

    // The traffic goes where the active Service selects, whatever the Rollout's status says:
    // a selector changed by hand shows at once (the controller puts it back later).
    const selected = service?.spec?.selector?.[POD_HASH_LABEL] as
      | string
      | undefined;
    const liveColor = COLORS.find(
      c => selected && hashOf(colorSets[c]) === selected,
    );
    let live: Color | 'split' | 'none' = liveColor ?? 'none';
    if (rollout && labelSelector && !service) {
      problems.push(
        `Service ${target.namespace}/${activeService} (the Rollout's active Service) does not exist`,
      );
    } else if (service && !selected) {
      live = 'split';
      problems.push(
        `Service ${activeService} selects no revision (its selector has no ${POD_HASH_LABEL}): it sends traffic to the pods of every revision`,
      );
    } else if (service && selected !== state.activeSelector) {
      problems.push(
        `Service ${activeService} selects ${POD_HASH_LABEL}=${selected}, but the Rollout's active revision is ${state.activeSelector}: the Service was changed outside Argo Rollouts`,
      );
    }
    const colors = Object.fromEntries(
      COLORS.map(color => {
        const rs = colorSets[color];
        let role: ColorStatus['role'] = liveColor === color ? 'live' : 'idle';
        if (live === 'split') role = 'split';
        if (!rs) return [color, missingColor(color, role)];
        const hash = hashOf(rs);
        const status: ColorStatus = {
          color,
          role,
          weight: role === 'live' ? 100 : 0,
          workload: {
            kind: 'ReplicaSet',
            name: rs.metadata.name,
            podTemplateHash: hash,
            revision: rs.metadata.annotations?.[REVISION_ANNOTATION],
          },
          version: templateVersion(rs.spec?.template),
          images: templateImages(rs.spec?.template),
          replicas: {
            desired: rs.spec?.replicas ?? 0,
            ready: rs.status?.readyReplicas ?? 0,
            available: rs.status?.availableReplicas ?? 0,
          },
          pods: pods
            .filter(p => p.metadata.labels?.[POD_HASH_LABEL] === hash)
            .map(summarizePod),
        };
        if (
          role === 'idle' &&
          blueGreen?.previewService &&
          state.previewSelector === hash
        ) {
          status.preview = {
            description: `Service ${blueGreen.previewService} selects this revision`,
          };
        }
        return [color, status];
      }),
    ) as StrategySnapshot['colors'];

    return {
      objects,
      live,
      colors,
      details: {
        strategy: 'argo-rollouts',
        rollout: target.rollout!,
        phase: rollout?.status?.phase,
        message: rollout?.status?.message,
        paused: state.paused,
        aborted: state.aborted,
        stableRS: state.stableRS,
        currentPodHash: state.currentPodHash,
        activeSelector: state.activeSelector,
        previewSelector: state.previewSelector,
        activeService: blueGreen?.activeService ?? target.service,
        previewService: blueGreen?.previewService ?? target.previewService,
      },
      facts: [
        { label: 'rollout', value: target.rollout! },
        {
          label: 'phase',
          value: [
            rollout?.status?.phase ?? 'unknown',
            state.paused ? 'paused' : undefined,
            state.aborted ? 'aborted' : undefined,
          ]
            .filter(Boolean)
            .join(' · '),
        },
        ...(rollout?.status?.message
          ? [{ label: 'message', value: String(rollout.status.message) }]
          : []),
        {
          label: 'active service',
          value: blueGreen?.activeService ?? target.service,
        },
        ...(blueGreen?.previewService ?? target.previewService
          ? [
              {
                label: 'preview service',
                value: (blueGreen?.previewService ?? target.previewService)!,
              },
            ]
          : []),
      ],
      problems,
      objectVersion: objectVersionOf(rollout),
      raw: {
        service,
        templates: {
          blue: colorSets.blue?.spec?.template,
          green: colorSets.green?.spec?.template,
        },
        pods: {
          blue: pods.filter(
            p =>
              p.metadata.labels?.[POD_HASH_LABEL] === hashOf(colorSets.blue) &&
              hashOf(colorSets.blue),
          ),
          green: pods.filter(
            p =>
              p.metadata.labels?.[POD_HASH_LABEL] === hashOf(colorSets.green) &&
              hashOf(colorSets.green),
          ),
        },
      },
      state,
    };
  },

  // Argo keeps the stable ReplicaSet until the new revision is promoted and its analysis passed:
  // while the new revision is live but not stable, the stable one is what was live before.
  previousLive(snapshot) {
    const { stableRS, currentPodHash, activeSelector } = rolloutState(
      snapshot.objects.rollout,
    );
    if (!stableRS || stableRS === currentPodHash) return undefined;
    if (activeSelector !== currentPodHash) return undefined;
    return COLORS.find(c => hashOf(snapshot.objects.colorSets[c]) === stableRS);
  },

  refusals(snapshot, action, to) {
    const { rollout, colorSets, service } = snapshot.objects;
    if (!rollout) return ['the Rollout does not exist'];
    const state = rolloutState(rollout);
    const selected = service?.spec?.selector?.[POD_HASH_LABEL];
    if (service && selected !== state.activeSelector) {
      return [
        `Service ${service.metadata.name} does not select the Rollout's active revision (it was changed outside Argo Rollouts): wait for the controller to put it back, or fix the Service`,
      ];
    }
    const targetHash = hashOf(colorSets[to]);
    if (!targetHash) {
      return [
        `Rollout ${rollout.metadata.name} has no ${to} revision to switch to`,
      ];
    }
    if (action === 'promote') {
      if (state.currentPodHash === state.stableRS) {
        return [
          `no new revision is waiting: revision ${
            colorSets[to]!.metadata.annotations?.[REVISION_ANNOTATION]
          } is not the Rollout's current revision (set a new image first: kubectl argo rollouts set image)`,
        ];
      }
      if (targetHash !== state.currentPodHash) {
        return [`${to} is not the Rollout's new revision`];
      }
    }
    return [];
  },

  switchTo: switchRollout,

  deployRefusals(snapshot) {
    const { rollout } = snapshot.objects;
    if (!rollout) return ['the Rollout does not exist'];
    if (rollout.spec?.workloadRef) {
      return [
        `Rollout ${rollout.metadata.name} takes its pod template from ${rollout.spec.workloadRef.kind} ${rollout.spec.workloadRef.name}: deploy there`,
      ];
    }
    const state = rolloutState(rollout);
    if (
      state.currentPodHash &&
      state.currentPodHash !== state.stableRS &&
      state.activeSelector === state.currentPodHash
    ) {
      // A new template now would replace the revision that takes the live traffic.
      return [
        `the Rollout's new revision takes the live traffic but is not stable yet: wait until it is, or roll back`,
      ];
    }
    return [];
  },

  deploy: setRolloutImage,
  restore: restoreRollout,

  async verify(kube, target, _snapshot, to, timeoutMs) {
    const first = await argoRolloutsStrategy.read(kube, target);
    const hash = hashOf(first.objects.colorSets[to]);
    const rollout = await waitForRollout(
      kube,
      target,
      timeoutMs,
      r => Boolean(hash) && r.status?.blueGreen?.activeSelector === hash,
    );
    if (!rollout) {
      return {
        verified: false,
        message: `Rollout ${target.rollout} did not point its active Service at ${to} (${hash}) within ${timeoutMs} ms`,
      };
    }
    const service = await kube.get(
      KUBE_RESOURCES.services,
      target.namespace,
      rollout.spec.strategy.blueGreen.activeService,
    );
    const selected = service?.spec?.selector?.[POD_HASH_LABEL];
    return selected === hash
      ? {
          verified: true,
          message: `Service ${
            service!.metadata.name
          } selects ${to} (${POD_HASH_LABEL}=${hash}); Rollout phase ${
            rollout.status?.phase ?? 'unknown'
          }`,
        }
      : {
          verified: false,
          message: `Rollout reports ${to} active but Service ${rollout.spec.strategy.blueGreen.activeService} selects ${selected}`,
        };
  },
};
