import { DependencyList, useCallback, useEffect, useRef } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';

/** A value loaded from the backend, as the views read it. */
export type AsyncValue<T, O = void> = {
  /** The latest value; after a failed reload, still the last one that loaded. */
  value?: T;
  /** The error of the latest load, until a load succeeds. */
  error?: Error;
  loading: boolean;
  /** Loads again now, even while a load runs: the newer answer wins. */
  reload: (options?: O) => void;
  /** Takes a value the backend returned from a change, in place of any load still running. */
  accept: (value: T) => void;
};

type Call<T, O> = { accepted: T } | { options?: O };

/**
 * Loads with `load` when mounted and whenever `deps` change (unless `enabled` is false), on
 * react-use's `useAsyncFn`: only the latest call's answer is kept, so an older answer arriving
 * late never overwrites a newer one. Unlike `useAsyncRetry`, `reload` starts a new request even
 * while one runs (a change announced mid-request must not be missed), and a failed reload keeps
 * the last value next to the error.
 */
export function useAsyncValue<T, O = void>(
  load: (options?: O) => Promise<T>,
  deps: DependencyList,
  { enabled = true }: { enabled?: boolean } = {},
): AsyncValue<T, O> {
  const [state, run] = useAsyncFn(
    (call: Call<T, O> = {}) =>
      'accepted' in call ? Promise.resolve(call.accepted) : load(call.options),
    deps,
    { loading: enabled },
  );
  useEffect(() => {
    if (enabled) run();
  }, [run, enabled]);

  const last = useRef<T>();
  if (!state.loading && !state.error) last.current = state.value;
  // Both answer nothing: the state above says how the call went (react-use never rejects).
  const reload = useCallback(
    (options?: O) => {
      run({ options });
    },
    [run],
  );
  const accept = useCallback(
    (value: T) => {
      run({ accepted: value });
    },
    [run],
  );
  return {
    value: state.loading || state.error ? last.current : state.value,
    error: state.error,
    loading: state.loading,
    reload,
    accept,
  };
}
