import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { MetricsResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { blueGreenApiRef } from '../../api';
import { errorMessage, isNotFound } from '../common';

// recharts is the heaviest dependency of the tab: it loads in its own chunk, after the cards.
const MetricsCharts = lazy(() => import('./MetricsCharts'));

/** Refresh the charts this often while a watch runs, and this often otherwise. */
const FAST_MS = 10_000;
const SLOW_MS = 60_000;

/** RPS, 5xx % and P99 per color over the last 30 minutes. */
export const MetricsCard = ({
  entity,
  live,
  version,
}: {
  entity: CompoundEntityRef;
  /** Refresh faster while the post-deploy watch runs. */
  live: boolean;
  /** Changes when the entity changed (a switch), to reload at once. */
  version: number;
}) => {
  const api = useApi(blueGreenApiRef);
  const [data, setData] = useState<MetricsResponse>();
  const [error, setError] = useState<Error>();
  const { namespace, kind, name } = entity;

  const load = useCallback(async () => {
    try {
      setData(
        await api.getMetrics(
          { namespace, kind, name },
          { range: '30m', step: '15s' },
        ),
      );
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    }
  }, [api, namespace, kind, name]);

  useEffect(() => {
    load();
  }, [load, version]);
  useEffect(() => {
    const timer = setInterval(load, live ? FAST_MS : SLOW_MS);
    return () => clearInterval(timer);
  }, [load, live]);

  return (
    <InfoCard
      title="Metrics by color"
      subheader="last 30 minutes, from Prometheus"
    >
      {error && !data && (
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
      {!error && !data && <Progress />}
      {data && (
        <>
          {data.warnings.map(w => (
            <Box mb={1} key={w}>
              <WarningPanel severity="warning" title={w} />
            </Box>
          ))}
          <Suspense fallback={<Progress />}>
            <MetricsCharts data={data} />
          </Suspense>
        </>
      )}
    </InfoCard>
  );
};
