import { getCompoundEntityRef } from '@backstage/catalog-model';
import { act, waitFor } from '@testing-library/react';
import * as fixtures from '../testing/fixtures';
import { FakeBlueGreenApi } from '../testing/FakeBlueGreenApi';
import { renderHookWithApi } from './__testUtils__/renderHookWithApi';
import { CHECKLIST_POLL_MS, useChecklist } from './useChecklist';

const entityRef = getCompoundEntityRef(fixtures.entity);

describe('useChecklist', () => {
  it('shows the checklist a sign-off answers, and reloads when the entity changed', async () => {
    const api = new FakeBlueGreenApi();
    api.checklist = fixtures.checklistAwaitingSignOff();
    const getChecklist = jest.spyOn(api, 'getChecklist');
    const { result, rerender } = renderHookWithApi(
      ({ version }) => useChecklist(entityRef, 'pre', version),
      api,
      { version: 0 },
    );
    await waitFor(() => expect(result.current.checklist).toBeDefined());
    const smoke = () =>
      result.current.checklist!.items.find(i => i.id === 'smoke-test')!;
    expect(smoke().status).toBe('pending');

    await act(() => result.current.signOff('smoke-test', 'run 7 passed'));
    expect(smoke().signOff?.note).toBe('run 7 passed');
    expect(getChecklist).toHaveBeenCalledTimes(1); // no second round trip

    rerender({ version: 1 });
    await waitFor(() => expect(getChecklist).toHaveBeenCalledTimes(2));
  });

  it('does not load the post-deploy checks until asked to', async () => {
    const api = new FakeBlueGreenApi();
    const getChecklist = jest.spyOn(api, 'getChecklist');
    const { result, rerender } = renderHookWithApi(
      ({ enabled }) => useChecklist(entityRef, 'post', 0, enabled),
      api,
      { enabled: false },
    );
    expect(result.current.loading).toBe(false);
    expect(getChecklist).not.toHaveBeenCalled();
    rerender({ enabled: true });
    await waitFor(() => expect(result.current.checklist?.phase).toBe('post'));
  });

  it('reloads an open checklist on its own (metric checks move with no change in the cluster)', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeBlueGreenApi();
      const getChecklist = jest.spyOn(api, 'getChecklist');
      const { rerender } = renderHookWithApi(
        ({ enabled }) => useChecklist(entityRef, 'pre', 0, enabled),
        api,
        { enabled: true },
      );
      await act(async () => jest.advanceTimersByTime(CHECKLIST_POLL_MS - 1));
      expect(getChecklist).toHaveBeenCalledTimes(1);
      await act(async () => jest.advanceTimersByTime(1));
      expect(getChecklist).toHaveBeenCalledTimes(2);
      // A closed checklist is not polled.
      rerender({ enabled: false });
      await act(async () => jest.advanceTimersByTime(3 * CHECKLIST_POLL_MS));
      expect(getChecklist).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets a failed sign-off throw, for the dialog to show', async () => {
    const api = new FakeBlueGreenApi();
    jest
      .spyOn(api, 'signOff')
      .mockRejectedValue(new Error('you may not sign off'));
    const { result } = renderHookWithApi(
      () => useChecklist(entityRef, 'pre', 0),
      api,
    );
    await waitFor(() => expect(result.current.checklist).toBeDefined());
    await expect(result.current.signOff('smoke-test', '')).rejects.toThrow(
      'you may not sign off',
    );
  });
});
