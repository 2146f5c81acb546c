import { useState } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';

/** History entries per page. */
export const HISTORY_PAGE_SIZE = 10;

/**
 * One page of the entity's history, newest first, reloaded when `version` changes. The backend
 * pages with a cursor; `older` and `newer` move between pages.
 */
export function useHistory(entity: CompoundEntityRef, version: number) {
  const api = useApi(blueGreenApiRef);
  // Cursors of the pages before the one shown, to go back to newer pages.
  const [cursors, setCursors] = useState<Array<string | undefined>>([
    undefined,
  ]);
  const before = cursors[cursors.length - 1];
  const { namespace, kind, name } = entity;
  const { value, error, loading } = useAsyncValue(
    () =>
      api.getHistory(
        { namespace, kind, name },
        { limit: HISTORY_PAGE_SIZE, before },
      ),
    [api, namespace, kind, name, before, version],
  );
  return {
    page: value,
    error,
    loading,
    /** 1 for the newest page. */
    pageNumber: cursors.length,
    newer: () => setCursors(c => (c.length > 1 ? c.slice(0, -1) : c)),
    older: () => {
      const next = value?.nextCursor;
      if (next) setCursors(c => [...c, next]);
    },
  };
}
