import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';
import { usePolling } from './usePolling';

/** Reload the charts this often while the post-promote watch runs, and this often otherwise. */
export const METRICS_FAST_POLL_MS = 10_000;
export const METRICS_SLOW_POLL_MS = 60_000;

/**
 * RPS, 5xx ratio and P99 per color over the last 30 minutes, reloaded when `version` changes and
 * on a timer (faster while `watching`).
 */
export function useMetrics(
  entity: CompoundEntityRef,
  version: number,
  watching: boolean,
) {
  const api = useApi(blueGreenApiRef);
  const { namespace, kind, name } = entity;
  const { value, error, reload } = useAsyncValue(
    () =>
      api.getMetrics({ namespace, kind, name }, { range: '30m', step: '15s' }),
    [api, namespace, kind, name, version],
  );
  usePolling(reload, watching ? METRICS_FAST_POLL_MS : METRICS_SLOW_POLL_MS);
  return { metrics: value, error };
}
