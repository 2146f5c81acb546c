import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { BLUE_GREEN_FLEET_CHANNEL } from '@bluegreen-backstage/plugin-blue-green-common';
import { useEffect, useRef } from 'react';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';
import { usePolling } from './usePolling';

/**
 * Reload the fleet this often while the page is visible, for changes made outside the plugin
 * (the backend caches cluster lists for ~10 s).
 */
export const FLEET_POLL_MS = 30_000;

/** After a change the backend announced, reload at most this often (bulk changes come in bursts). */
export const FLEET_SIGNAL_RELOAD_MS = 2_000;

/**
 * The fleet, kept fresh: reloaded on the backend's `blue-green:fleet` signal (a switch, a scale,
 * a watch's verdict; within seconds), polled every 30 s for changes made outside the plugin, and
 * on demand: `reload({ refresh: true })` reads past the backend's short cache.
 */
export function useFleet() {
  const api = useApi(blueGreenApiRef);
  const { value, error, loading, reload } = useAsyncValue(
    (options?: { refresh?: boolean }) => api.getFleet(options),
    [api],
  );
  usePolling(reload, FLEET_POLL_MS);

  const { lastSignal } = useSignal(BLUE_GREEN_FLEET_CHANNEL);
  const lastReload = useRef(0);
  useEffect(() => {
    if (!lastSignal) return undefined;
    const wait = lastReload.current + FLEET_SIGNAL_RELOAD_MS - Date.now();
    const run = () => {
      lastReload.current = Date.now();
      reload();
    };
    if (wait <= 0) {
      run();
      return undefined;
    }
    // A later signal replaces this timer: one reload for the burst.
    const timer = setTimeout(run, wait);
    return () => clearTimeout(timer);
  }, [lastSignal, reload]);

  return { fleet: value, error, loading, reload };
}
