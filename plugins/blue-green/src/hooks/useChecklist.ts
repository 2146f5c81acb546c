import { useCallback } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';

/**
 * A checklist phase of the entity, loaded while `enabled` and again when `version` changes, with
 * the sign-off actions (which show the checklist the backend answers at once).
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
