import { useCallback } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';
import { usePolling } from './usePolling';

/**
 * Reload an open checklist this often: its metric checks read moving windows, which change with
 * no change in the cluster for the status to see.
 */
export const CHECKLIST_POLL_MS = 15_000;

/**
 * A checklist phase of the entity, loaded while `enabled`, again when `version` changes and every
 * {@link CHECKLIST_POLL_MS}, with the sign-off actions (which show the checklist the backend
 * answers at once).
 */
export function useChecklist(
  entity: CompoundEntityRef,
  phase: 'pre' | 'post',
  version: number,
  enabled = true,
) {
  const api = useApi(blueGreenApiRef);
  const { namespace, kind, name } = entity;
  const { value, error, loading, reload, accept } = useAsyncValue(
    () => api.getChecklist({ namespace, kind, name }, phase),
    [api, namespace, kind, name, phase, version],
    { enabled },
  );
  usePolling(reload, enabled ? CHECKLIST_POLL_MS : undefined);

  const signOff = useCallback(
    async (itemId: string, note: string) => {
      accept(
        await api.signOff({ namespace, kind, name }, itemId, {
          ...(note && { note }),
        }),
      );
    },
    [api, namespace, kind, name, accept],
  );

  const withdraw = useCallback(
    async (itemId: string) => {
      accept(await api.withdrawSignOff({ namespace, kind, name }, itemId));
    },
    [api, namespace, kind, name, accept],
  );

  return { checklist: value, error, loading, signOff, withdraw, reload };
}
