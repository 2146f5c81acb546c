import { useCallback, useEffect, useState } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { Checklist } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef } from '../api';

/** A checklist phase of the entity, reloaded when `version` changes, with sign-off actions. */
export function useChecklist(
  entity: CompoundEntityRef,
  phase: 'pre' | 'post',
  version: number,
  enabled = true,
) {
  const api = useApi(blueGreenApiRef);
  const [checklist, setChecklist] = useState<Checklist>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(enabled);
  const { namespace, kind, name } = entity;

  const load = useCallback(async () => {
    try {
      setChecklist(await api.getChecklist({ namespace, kind, name }, phase));
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoading(false);
    }
  }, [api, namespace, kind, name, phase]);

  useEffect(() => {
    if (enabled) load();
  }, [load, version, enabled]);

  const signOff = useCallback(
    async (itemId: string, note: string) => {
      setChecklist(
        await api.signOff({ namespace, kind, name }, itemId, {
          ...(note && { note }),
        }),
      );
    },
    [api, namespace, kind, name],
  );

  const withdraw = useCallback(
    async (itemId: string) => {
      setChecklist(
        await api.withdrawSignOff({ namespace, kind, name }, itemId),
      );
    },
    [api, namespace, kind, name],
  );

  return { checklist, error, loading, signOff, withdraw, reload: load };
}
