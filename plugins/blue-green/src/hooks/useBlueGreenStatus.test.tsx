import { getCompoundEntityRef } from '@backstage/catalog-model';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { TestApiProvider } from '@backstage/test-utils';
import { act, renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { blueGreenApiRef } from '../api';
import { deferred } from '../testing/deferred';
import * as fixtures from '../testing/fixtures';
import { FakeBlueGreenApi } from '../testing/FakeBlueGreenApi';
import { FakeSignals } from './__testUtils__/FakeSignals';
import {
  ACTIVE_POLL_MS,
  BlueGreenSignal,
  IDLE_POLL_MS,
  useBlueGreenStatus,
} from './useBlueGreenStatus';

const entityRef = getCompoundEntityRef(fixtures.entity);
const CHANNEL = 'blue-green:component:default/my-app';

const signal: BlueGreenSignal = {
  entityRef: 'component:default/my-app',
  historyId: 'h1',
  action: 'promote',
  outcome: 'succeeded',
};

function renderStatus(api: FakeBlueGreenApi, signals?: FakeSignals) {
  const wrapper = ({ children }: { children: ReactNode }) =>
    signals ? (
      <TestApiProvider
        apis={[
          [blueGreenApiRef, api],
          [signalApiRef, signals],
        ]}
      >
        {children}
      </TestApiProvider>
    ) : (
      <TestApiProvider apis={[[blueGreenApiRef, api]]}>
        {children}
      </TestApiProvider>
    );
  return renderHook(() => useBlueGreenStatus(entityRef), { wrapper });
}

/** Lets time pass, then lets the requests it started answer. */
const advance = (ms: number) =>
  act(async () => {
    jest.advanceTimersByTime(ms);
  });

describe('useBlueGreenStatus', () => {
  let api: FakeBlueGreenApi;
  let getStatus: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    api = new FakeBlueGreenApi();
    getStatus = jest.spyOn(api, 'getStatus');
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('reloads on a signal for the entity and tells the panels to reload', async () => {
    const signals = new FakeSignals();
    const { result } = renderStatus(api, signals);
    await advance(0);
    expect(result.current.status?.revision).toBe('rev-1');
    expect(result.current.version).toBe(0);

    api.status = fixtures.promotedStatus(fixtures.watch());
    await signals.publish(CHANNEL, signal);
    expect(getStatus).toHaveBeenCalledTimes(2);
    expect(result.current.status?.live).toBe('green');
    expect(result.current.version).toBeGreaterThan(0);
  });

  it('polls slowly while idle even with signals, for pods and replicas no signal announces', async () => {
    renderStatus(api, new FakeSignals());
    await advance(0);
    await advance(IDLE_POLL_MS - 1);
    expect(getStatus).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(getStatus).toHaveBeenCalledTimes(2);
  });

  it('polls every 3 s while pods of a color are starting', async () => {
    api.status = fixtures.status({
      colors: {
        blue: fixtures.colorStatus('blue', { role: 'live' }),
        green: fixtures.colorStatus('green', { readyPods: 1 }),
      },
    });
    renderStatus(api, new FakeSignals());
    await advance(0);
    await advance(ACTIVE_POLL_MS);
    await advance(ACTIVE_POLL_MS);
    expect(getStatus).toHaveBeenCalledTimes(3);
  });

  it('polls every 10 s without signals, and a change it sees reloads the panels', async () => {
    const { result } = renderStatus(api);
    await advance(0);
    await advance(IDLE_POLL_MS - 1);
    expect(getStatus).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(getStatus).toHaveBeenCalledTimes(2);
    expect(result.current.version).toBe(0); // nothing changed

    api.status = fixtures.status({ revision: 'rev-2' });
    await advance(IDLE_POLL_MS);
    expect(getStatus).toHaveBeenCalledTimes(3);
    expect(result.current.status?.revision).toBe('rev-2');
    expect(result.current.version).toBe(1);
  });

  it('reloads the panels when a rollout finishes on the idle color, with no signal', async () => {
    api.status = fixtures.status({
      colors: {
        blue: fixtures.colorStatus('blue', { role: 'live' }),
        green: fixtures.colorStatus('green', { readyPods: 1 }),
      },
    });
    const { result } = renderStatus(api, new FakeSignals());
    await advance(0);
    expect(result.current.version).toBe(0);
    // Same revision, no switch, no watch: only the idle color's pods became ready.
    api.status = fixtures.status();
    await advance(ACTIVE_POLL_MS);
    expect(result.current.status?.colors.green.replicas.ready).toBe(
      result.current.status?.colors.green.replicas.desired,
    );
    expect(result.current.version).toBe(1);
  });

  it('polls every 3 s while the post-promote watch runs, even with signals', async () => {
    api.status = fixtures.promotedStatus(fixtures.watch());
    renderStatus(api, new FakeSignals());
    await advance(0);
    await advance(ACTIVE_POLL_MS);
    await advance(ACTIVE_POLL_MS);
    expect(getStatus).toHaveBeenCalledTimes(3);
  });

  it('does not poll while the page is hidden', async () => {
    const hidden = jest.spyOn(document, 'hidden', 'get').mockReturnValue(true);
    renderStatus(api);
    await advance(0);
    await advance(3 * IDLE_POLL_MS);
    expect(getStatus).toHaveBeenCalledTimes(1);
    hidden.mockReturnValue(false);
    await advance(IDLE_POLL_MS);
    expect(getStatus).toHaveBeenCalledTimes(2);
  });

  it('takes the status a change returned in place of a request still running', async () => {
    const { result } = renderStatus(api, new FakeSignals());
    await advance(0);
    const late = deferred<any>();
    getStatus.mockReturnValueOnce(late.promise);
    act(() => result.current.reload());

    const promoted = fixtures.promotedStatus(fixtures.watch());
    await act(async () => result.current.accept(promoted));
    expect(result.current.status).toBe(promoted);
    expect(result.current.version).toBeGreaterThan(0);

    await act(async () => late.resolve(fixtures.status()));
    expect(result.current.status).toBe(promoted);
  });

  it('keeps the last status next to the error when a reload fails', async () => {
    const signals = new FakeSignals();
    const { result } = renderStatus(api, signals);
    await advance(0);
    api.status = new Error('cluster unreachable');
    await signals.publish(CHANNEL, signal);
    expect(result.current.error?.message).toBe('cluster unreachable');
    expect(result.current.status?.revision).toBe('rev-1');
  });
});
