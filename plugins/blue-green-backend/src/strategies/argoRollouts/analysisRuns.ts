import {
  BlueGreenTarget,
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { POD_HASH_LABEL } from './revisions';

/** One AnalysisRun as a required checklist item, with its last measurements. */
function itemOf(
  run: KubeObject,
  namespace: string,
  type: string,
): ChecklistItem {
  const phase: string = run.status?.phase ?? 'Pending';
  const results: any[] = run.status?.metricResults ?? [];
  const observed = results
    .map(r => {
      const last = (r.measurements ?? []).slice(-1)[0];
      return `${r.name}: ${last?.value ?? '—'} (${r.phase ?? 'Pending'})`;
    })
    .join('; ');
  let status: ChecklistItem['status'] = 'pending';
  if (phase === 'Successful') status = 'pass';
  else if (['Failed', 'Error', 'Inconclusive'].includes(phase)) status = 'fail';
  return {
    id: `analysis-${run.metadata.name}`,
    category: 'analysis',
    title: `Argo Rollouts ${type} analysis ${run.metadata.name}`,
    kind: 'auto',
    required: true,
    status,
    observed: observed || phase,
    threshold: (run.spec?.metrics ?? [])
      .map((m: any) => `${m.name}: ${m.successCondition ?? 'success'}`)
      .join('; '),
    message: run.status?.message ?? `phase ${phase}`,
    evidence: {
      type: 'analysis-run',
      detail: `AnalysisRun ${namespace}/${run.metadata.name}`,
    },
  };
}

/**
 * The Rollout's pre- or post-promotion AnalysisRuns for a color's revision, as checklist items.
 * A list that fails leaves them out (the rest of the checklist still answers).
 */
export async function analysisRunItems(
  kube: KubeClient,
  target: BlueGreenTarget,
  snapshot: StrategySnapshot,
  color: Color,
  phase: 'pre' | 'post',
): Promise<ChecklistItem[]> {
  const hash = snapshot.colors[color].workload?.podTemplateHash;
  if (!hash) return [];
  const type = phase === 'pre' ? 'PrePromotion' : 'PostPromotion';
  const runs = await kube
    .list(KUBE_RESOURCES.analysisRuns, target.namespace, {
      labelSelector: `${POD_HASH_LABEL}=${hash},rollout-type=${type}`,
    })
    .catch(() => ({ items: [] as KubeObject[] }));
  return runs.items
    .filter(run =>
      (run.metadata?.ownerReferences ?? []).some(
        o => o.kind === 'Rollout' && o.name === target.rollout,
      ),
    )
    .map(run => itemOf(run, target.namespace, type));
}
