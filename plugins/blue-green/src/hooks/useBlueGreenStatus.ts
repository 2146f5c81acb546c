import { useCallback, useEffect, useRef, useState } from 'react';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef } from '../api';
import { useAsyncValue } from './useAsyncValue';
import { usePolling } from './usePolling';

/** The message the backend publishes on `blue-green:<entityRef>` after every change. */
export type BlueGreenSignal = {
  entityRef: string;
  historyId: string;
  action: string;
  outcome: string;
};

/** Poll this often while a switch, a post-promote watch or a scale runs (values move). */
export const ACTIVE_POLL_MS = 3_000;
/**
 * Poll this often otherwise. Signals announce the plugin's own changes, but pods and replicas
 * also change in the cluster (a scale, a crash, `kubectl`), which no signal announces.
 */
export const IDLE_POLL_MS = 10_000;

/**
 * What changes when the entity's state changes: its revision, a switch, the watch, or a color's
 * workload (its version, replicas and pods: a rollout finishing, a scale, a crash).
 */
function stateKey(status?: EntityStatus): string {
  if (!status) return '';
  const colors = Object.values(status.colors)
    .map(
      c =>
        `${c.color}:${c.version}:${c.replicas.ready}/${
          c.replicas.desired
        }:${c.pods
          .map(p => `${p.name}=${p.phase}${p.ready ? '+' : '-'}${p.restarts}`)
          .join(',')}`,
    )
    .join(';');
  return `${status.revision}|${status.inProgress?.id}|${status.watch?.id}:${status.watch?.state}|${colors}`;
}

/**
 * The entity's blue/green status, kept fresh: reloaded on every Backstage signal for the entity,
 * polled fast while something is running or pods are starting, and slowly otherwise.
 * `version` increases on every change seen, so other panels (history, checklist) reload with it.
 */
export function useBlueGreenStatus(
  entity: CompoundEntityRef,
  options?: { busy?: boolean },
) {
  const api = useApi(blueGreenApiRef);
  const { lastSignal, isSignalsAvailable } = useSignal<BlueGreenSignal>(
    `blue-green:${stringifyEntityRef(entity)}`,
  );
  const { namespace, kind, name } = entity;
  const {
    value: status,
    error,
    loading,
    reload,
    accept: take,
  } = useAsyncValue(
    () => api.getStatus({ namespace, kind, name }),
    [api, namespace, kind, name],
  );
  const [version, setVersion] = useState(0);

  /** Takes a status the backend returned from a change, without another round trip. */
  const accept = useCallback(
    (next: EntityStatus) => {
      take(next);
      setVersion(v => v + 1);
    },
    [take],
  );

  useEffect(() => {
    if (lastSignal) {
      reload();
      setVersion(v => v + 1);
    }
  }, [lastSignal, reload]);

  // A change seen by polling (no signal) also reloads the panels that follow the status.
  const key = stateKey(status);
  const lastKey = useRef(key);
  useEffect(() => {
    if (lastKey.current && key && lastKey.current !== key)
      setVersion(v => v + 1);
    lastKey.current = key;
  }, [key]);

  const scaling =
    status !== undefined &&
    Object.values(status.colors).some(
      c => c.workload && c.replicas.ready !== c.replicas.desired,
    );
  const running =
    Boolean(options?.busy) ||
    Boolean(status?.inProgress) ||
    status?.watch?.state === 'running' ||
    scaling;
  usePolling(reload, running ? ACTIVE_POLL_MS : IDLE_POLL_MS);

  return {
    status,
    error,
    loading,
    reload,
    accept,
    version,
    isSignalsAvailable,
  };
}
