import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';

/** The entity's diagnostics, loaded while `enabled` (the panel is open), again when `version` changes. */
export function useDiagnostics(
  entity: CompoundEntityRef,
  version: number,
  enabled: boolean,
) {
  const api = useApi(blueGreenApiRef);
  const { namespace, kind, name } = entity;
  const { value, error } = useAsyncValue(
    () => api.getDiagnostics({ namespace, kind, name }),
    [api, namespace, kind, name, version],
    { enabled },
  );
  return { diagnostics: value, error };
}
