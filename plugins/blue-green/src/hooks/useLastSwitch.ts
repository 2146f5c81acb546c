import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';

const SWITCHES = new Set<HistoryEntry['action']>([
  'promote',
  'rollback',
  'auto-rollback',
]);

/** The entity's latest switches (promote, rollback, automatic rollback), reloaded with `version`. */
export function useLastSwitches(entity: CompoundEntityRef, version: number) {
  const api = useApi(blueGreenApiRef);
  const { namespace, kind, name } = entity;
  const { value } = useAsyncValue(
    () => api.getHistory({ namespace, kind, name }, { limit: 50 }),
    [api, namespace, kind, name, version],
  );
  const switches = (value?.items ?? []).filter(
    e => SWITCHES.has(e.action) && e.outcome !== 'refused',
  );
  return { last: switches[0], switches };
}
