import { useCallback, useEffect, useRef, useState } from 'react';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef } from '../api';

/** The message the backend publishes on `blue-green:<entityRef>` after every change. */
export type BlueGreenSignal = {
  entityRef: string;
  historyId: string;
  action: string;
  outcome: string;
};

/** Poll this often while a switch or a post-promote watch runs (criteria values move). */
export const ACTIVE_POLL_MS = 3_000;
/** Poll this often when signals are not available, to notice other people's switches. */
export const IDLE_POLL_MS = 15_000;

/**
 * The entity's blue/green status, kept fresh: reloaded on every Backstage signal for the entity,
 * polled while something is running, and polled slowly when the app has no signals.
 * `version` increases on every signal, so other panels (history, checklist) can reload with it.
 */
export function useBlueGreenStatus(
  entity: CompoundEntityRef,
  options?: { busy?: boolean },
) {
  const api = useApi(blueGreenApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { lastSignal, isSignalsAvailable } = useSignal<BlueGreenSignal>(
    `blue-green:${entityRef}`,
  );
  const [status, setStatus] = useState<EntityStatus>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  // The latest request wins: an older answer arriving late must not overwrite a newer one.
  const sequence = useRef(0);
  const { namespace, kind, name } = entity;

  const refresh = useCallback(async () => {
    const mine = ++sequence.current;
    try {
      const next = await api.getStatus({ namespace, kind, name });
      if (mine === sequence.current) {
        setStatus(next);
        setError(undefined);
      }
    } catch (e) {
      if (mine === sequence.current) setError(e as Error);
    } finally {
      if (mine === sequence.current) setLoading(false);
    }
  }, [api, namespace, kind, name]);

  /** Takes a status the backend returned from a mutation, without another round trip. */
  const accept = useCallback((next: EntityStatus) => {
    sequence.current++;
    setStatus(next);
    setError(undefined);
    setVersion(v => v + 1);
  }, []);

  useEffect(() => {
    refresh();
  }, [refresh]);

  useEffect(() => {
    if (lastSignal) {
      refresh();
      setVersion(v => v + 1);
    }
  }, [lastSignal, refresh]);

  const running =
    Boolean(options?.busy) ||
    Boolean(status?.inProgress) ||
    status?.watch?.state === 'running';
  let interval: number | undefined;
  if (running) interval = ACTIVE_POLL_MS;
  else if (!isSignalsAvailable) interval = IDLE_POLL_MS;
  // A change seen by polling (no signal) also reloads the panels that follow the status.
  const stateKey = status
    ? `${status.revision}|${status.inProgress?.id}|${status.watch?.id}:${status.watch?.state}`
    : '';
  const lastKey = useRef(stateKey);
  useEffect(() => {
    if (lastKey.current && stateKey && lastKey.current !== stateKey) {
      setVersion(v => v + 1);
    }
    lastKey.current = stateKey;
  }, [stateKey]);
  useEffect(() => {
    if (!interval) return undefined;
    const timer = setInterval(() => {
      if (typeof document === 'undefined' || !document.hidden) refresh();
    }, interval);
    return () => clearInterval(timer);
  }, [interval, refresh]);

  return {
    status,
    error,
    loading,
    refresh,
    accept,
    version,
    isSignalsAvailable,
  };
}
