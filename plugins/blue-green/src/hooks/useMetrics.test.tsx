import { getCompoundEntityRef } from '@backstage/catalog-model';
import { act } from '@testing-library/react';
import * as fixtures from '../testing/fixtures';
import { FakeBlueGreenApi } from '../testing/FakeBlueGreenApi';
import { renderHookWithApi } from './__testUtils__/renderHookWithApi';
import {
  METRICS_FAST_POLL_MS,
  METRICS_SLOW_POLL_MS,
  useMetrics,
} from './useMetrics';

const entityRef = getCompoundEntityRef(fixtures.entity);
const advance = (ms: number) =>
  act(async () => {
    jest.advanceTimersByTime(ms);
  });

describe('useMetrics', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reloads every minute, every 10 s while watching, and at once when the entity changed', async () => {
    const api = new FakeBlueGreenApi();
    const getMetrics = jest.spyOn(api, 'getMetrics');
    const { result, rerender } = renderHookWithApi(
      ({ version, watching }) => useMetrics(entityRef, version, watching),
      api,
      { version: 0, watching: false },
    );
    await advance(0);
    expect(result.current.metrics).toBe(fixtures.metrics);
    await advance(METRICS_SLOW_POLL_MS - METRICS_FAST_POLL_MS);
    expect(getMetrics).toHaveBeenCalledTimes(1);
    await advance(METRICS_FAST_POLL_MS);
    expect(getMetrics).toHaveBeenCalledTimes(2);

    rerender({ version: 1, watching: true });
    await advance(0);
    expect(getMetrics).toHaveBeenCalledTimes(3);
    await advance(METRICS_FAST_POLL_MS);
    expect(getMetrics).toHaveBeenCalledTimes(4);
  });
});
