import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import Box from '@material-ui/core/Box';
import { lazy, Suspense } from 'react';
import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { useMetrics } from '../../hooks/useMetrics';
import { MonitoringArtifacts } from './MonitoringArtifacts';
import { errorMessage, isNotFound } from '../shared/errors';

// recharts is the heaviest dependency of the tab: it loads in its own chunk, after the cards.
const MetricsCharts = lazy(() => import('./MetricsCharts'));

const VERB: Partial<Record<HistoryEntry['action'], string>> = {
  promote: 'promote',
  rollback: 'rollback',
  'auto-rollback': 'auto-rollback',
};

/** RPS, 5xx % and P99 per color over the last 30 minutes, with the switches marked. */
export const MetricsCard = ({
  entity,
  watching,
  version,
  switches = [],
}: {
  /** Promotes and rollbacks to mark on the charts. */
  switches?: HistoryEntry[];
  entity: CompoundEntityRef;
  /** Refresh faster while the post-promote watch runs. */
  watching: boolean;
  /** Changes when the entity changed (a switch), to reload at once. */
  version: number;
}) => {
  const { metrics, error } = useMetrics(entity, version, watching);
  const markers = switches.map(e => ({
    t: Date.parse(e.createdAt) / 1000,
    label: `${VERB[e.action] ?? e.action} → ${e.to}`,
  }));
  return (
    <InfoCard
      title="Metrics by color"
      subheader="last 30 minutes, from Prometheus; dashed lines mark switches and the rollback threshold"
    >
      <Box mb={2}>
        <MonitoringArtifacts entity={entity} />
      </Box>
      {error && !metrics && (
        <WarningPanel
          defaultExpanded
          severity="info"
          title="Metrics are not available"
          message={
            isNotFound(error)
              ? 'This backend does not serve metrics (GET …/metrics).'
              : errorMessage(error)
          }
        />
      )}
      {!error && !metrics && <Progress />}
      {metrics && (
        <>
          {metrics.warnings.map(w => (
            <Box mb={1} key={w}>
              <WarningPanel severity="warning" title={w} />
            </Box>
          ))}
          <Suspense fallback={<Progress />}>
            <MetricsCharts data={metrics} markers={markers} />
          </Suspense>
        </>
      )}
    </InfoCard>
  );
};
