import { useApi } from '@backstage/core-plugin-api';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';
import { usePolling } from './usePolling';

/** Reload the fleet this often while the page is visible (the backend caches clusters ~10 s). */
export const FLEET_POLL_MS = 30_000;

/**
 * The fleet, reloaded on a timer and on demand: `reload({ refresh: true })` reads past the
 * backend's short cache.
 */
export function useFleet() {
  const api = useApi(blueGreenApiRef);
  const { value, error, loading, reload } = useAsyncValue(
    (options?: { refresh?: boolean }) => api.getFleet(options),
    [api],
  );
  usePolling(reload, FLEET_POLL_MS);
  return { fleet: value, error, loading, reload };
}
