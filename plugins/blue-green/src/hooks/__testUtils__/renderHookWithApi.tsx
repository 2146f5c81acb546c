import { TestApiProvider } from '@backstage/test-utils';
import { renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { blueGreenApiRef } from '../../api';
import { FakeBlueGreenApi } from '../../testing/FakeBlueGreenApi';

/** Renders a hook of the plugin against an in-memory backend. */
export function renderHookWithApi<Result, Props>(
  hook: (props: Props) => Result,
  api: FakeBlueGreenApi,
  initialProps?: Props,
) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[blueGreenApiRef, api]]}>
      {children}
    </TestApiProvider>
  );
  return renderHook(hook, { wrapper, initialProps });
}
