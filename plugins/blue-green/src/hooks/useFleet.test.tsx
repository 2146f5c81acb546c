import { signalApiRef } from '@backstage/plugin-signals-react';
import { TestApiProvider } from '@backstage/test-utils';
import { BLUE_GREEN_FLEET_CHANNEL } from '@bluegreen-backstage/plugin-blue-green-common';
import { act, renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { blueGreenApiRef } from '../api';
import { deferred } from '../testing/deferred';
import * as fixtures from '../testing/fixtures';
import { FakeBlueGreenApi } from '../testing/FakeBlueGreenApi';
import { FakeSignals } from './__testUtils__/FakeSignals';
import { renderHookWithApi } from './__testUtils__/renderHookWithApi';
import { FLEET_POLL_MS, FLEET_SIGNAL_RELOAD_MS, useFleet } from './useFleet';

const advance = (ms: number) =>
  act(async () => {
    jest.advanceTimersByTime(ms);
  });

describe('useFleet', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const fleetCalls = (api: FakeBlueGreenApi) =>
    api.calls.filter(c => c.method === 'getFleet').map(c => c.args[0]);

  it('reloads every 30 s from the backend cache, and past it on demand', async () => {
    const api = new FakeBlueGreenApi();
    const { result } = renderHookWithApi(() => useFleet(), api);
    await advance(0);
    expect(result.current.fleet?.rows.length).toBeGreaterThan(0);
    await advance(FLEET_POLL_MS - 1);
    expect(fleetCalls(api)).toEqual([undefined]);
    await advance(1);
    expect(fleetCalls(api)).toEqual([undefined, undefined]);

    act(() => result.current.reload({ refresh: true }));
    await advance(0);
    expect(fleetCalls(api)).toEqual([undefined, undefined, { refresh: true }]);
  });

  it('shows the fresh answer of a refresh even when an older poll answers after it', async () => {
    const api = new FakeBlueGreenApi();
    const { result } = renderHookWithApi(() => useFleet(), api);
    await advance(0);
    const poll = deferred<any>();
    jest.spyOn(api, 'getFleet').mockReturnValueOnce(poll.promise);
    await advance(FLEET_POLL_MS); // a poll starts and hangs

    const fresh = fixtures.fleet({ partial: false });
    jest.spyOn(api, 'getFleet').mockResolvedValueOnce(fresh);
    await act(async () => result.current.reload({ refresh: true }));
    expect(result.current.fleet).toBe(fresh);

    await act(async () => poll.resolve(fixtures.fleet()));
    expect(result.current.fleet).toBe(fresh);
  });

  it('reloads within seconds when the backend signals a change, once per burst', async () => {
    const api = new FakeBlueGreenApi();
    const signals = new FakeSignals();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider
        apis={[
          [blueGreenApiRef, api],
          [signalApiRef, signals],
        ]}
      >
        {children}
      </TestApiProvider>
    );
    renderHook(() => useFleet(), { wrapper });
    await advance(0);
    expect(fleetCalls(api)).toHaveLength(1);

    await signals.publish(BLUE_GREEN_FLEET_CHANNEL, { changed: true });
    await advance(0);
    expect(fleetCalls(api)).toHaveLength(2);

    // A burst right after: one more reload, when the interval is over.
    for (let i = 0; i < 5; i++) {
      await signals.publish(BLUE_GREEN_FLEET_CHANNEL, { changed: true });
      await advance(100);
    }
    expect(fleetCalls(api)).toHaveLength(2);
    await advance(FLEET_SIGNAL_RELOAD_MS);
    expect(fleetCalls(api)).toHaveLength(3);
    await advance(FLEET_SIGNAL_RELOAD_MS * 3);
    expect(fleetCalls(api)).toHaveLength(3);
  });
});
