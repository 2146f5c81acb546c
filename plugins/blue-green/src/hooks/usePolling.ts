import useInterval from 'react-use/esm/useInterval';

/**
 * Calls `poll` every `ms` milliseconds while the page is visible; `undefined` stops polling.
 * A hidden tab does not poll: it loads again on the next tick after it is shown.
 */
export function usePolling(poll: () => void, ms: number | undefined) {
  useInterval(() => {
    if (typeof document === 'undefined' || !document.hidden) poll();
  }, ms ?? null);
}
