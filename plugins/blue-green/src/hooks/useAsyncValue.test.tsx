import { act, renderHook, waitFor } from '@testing-library/react';
import { deferred } from '../testing/deferred';
import { useAsyncValue } from './useAsyncValue';

/** A loader whose calls the test answers one by one, in any order. */
function requests<T>() {
  const calls: Array<ReturnType<typeof deferred<T>>> = [];
  const load = jest.fn(() => {
    const call = deferred<T>();
    calls.push(call);
    return call.promise;
  });
  return { load, calls };
}

describe('useAsyncValue', () => {
  it('loads on mount and again when a dependency changes', async () => {
    const load = jest.fn(async (n: number) => `value ${n}`);
    const { result, rerender } = renderHook(
      ({ n }) => useAsyncValue(() => load(n), [n]),
      { initialProps: { n: 1 } },
    );
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.value).toBe('value 1'));
    rerender({ n: 2 });
    await waitFor(() => expect(result.current.value).toBe('value 2'));
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps the answer of the latest request when an older one arrives late', async () => {
    const { load, calls } = requests<string>();
    const { result } = renderHook(() => useAsyncValue(load, []));
    act(() => result.current.reload()); // while the first request still runs
    expect(calls).toHaveLength(2);

    await act(async () => calls[1].resolve('newer'));
    expect(result.current.value).toBe('newer');
    await act(async () => calls[0].resolve('older'));
    expect(result.current.value).toBe('newer');
    expect(result.current.loading).toBe(false);
  });

  it('takes an accepted value in place of a request still running', async () => {
    const { load, calls } = requests<string>();
    const { result } = renderHook(() => useAsyncValue(load, []));
    await act(async () => result.current.accept('from the change'));
    expect(result.current.value).toBe('from the change');
    await act(async () => calls[0].resolve('stale'));
    expect(result.current.value).toBe('from the change');
  });

  it('keeps the last value next to the error of a failed reload, until a load succeeds', async () => {
    const { load, calls } = requests<string>();
    const { result } = renderHook(() => useAsyncValue(load, []));
    await act(async () => calls[0].resolve('first'));

    act(() => result.current.reload());
    expect(result.current.value).toBe('first'); // while reloading
    await act(async () => calls[1].reject(new Error('backend down')));
    expect(result.current.value).toBe('first');
    expect(result.current.error?.message).toBe('backend down');

    act(() => result.current.reload());
    await act(async () => calls[2].resolve('second'));
    expect(result.current.value).toBe('second');
    expect(result.current.error).toBeUndefined();
  });

  it('passes reload options to the loader', async () => {
    const load = jest.fn(async (options?: { refresh: boolean }) =>
      Boolean(options?.refresh),
    );
    const { result } = renderHook(() => useAsyncValue(load, []));
    await waitFor(() => expect(result.current.value).toBe(false));
    act(() => result.current.reload({ refresh: true }));
    await waitFor(() => expect(result.current.value).toBe(true));
  });

  it('does not load while disabled, and loads once enabled', async () => {
    const load = jest.fn(async () => 'loaded');
    const { result, rerender } = renderHook(
      ({ enabled }) => useAsyncValue(load, [], { enabled }),
      { initialProps: { enabled: false } },
    );
    expect(result.current.loading).toBe(false);
    expect(load).not.toHaveBeenCalled();
    rerender({ enabled: true });
    await waitFor(() => expect(result.current.value).toBe('loaded'));
  });
});
