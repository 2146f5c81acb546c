import { useApi } from '@backstage/core-plugin-api';
import { FleetResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { blueGreenApiRef } from '../../api';

/** Reload the fleet this often while the page is visible (the backend caches clusters ~10 s). */
export const FLEET_POLL_MS = 30_000;

/** The fleet, reloaded on a timer and on demand (`refresh` skips the backend's short cache). */
export function useFleet() {
  const api = useApi(blueGreenApiRef);
  const [fleet, setFleet] = useState<FleetResponse>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);
  // The latest request wins: an older answer arriving late must not overwrite a newer one.
  const sequence = useRef(0);

  const load = useCallback(
    async (refresh = false) => {
      const mine = ++sequence.current;
      setLoading(true);
      try {
        const next = await api.getFleet(refresh ? { refresh } : undefined);
        if (mine === sequence.current) {
          setFleet(next);
          setError(undefined);
        }
      } catch (e) {
        if (mine === sequence.current) setError(e as Error);
      } finally {
        if (mine === sequence.current) setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    load();
    const timer = setInterval(() => {
      if (typeof document === 'undefined' || !document.hidden) load();
    }, FLEET_POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  return { fleet, error, loading, reload: load };
}
