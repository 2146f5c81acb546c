import { useState } from 'react';
import useInterval from 'react-use/esm/useInterval';

/** The current time, renewed every second while `ticking` (for countdowns). */
export function useNow(ticking: boolean): number {
  const [now, setNow] = useState(Date.now);
  useInterval(() => setNow(Date.now()), ticking ? 1000 : null);
  return now;
}
