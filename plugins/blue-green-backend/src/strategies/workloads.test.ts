import { applyPatch } from 'fast-json-patch';
import { pollUntil, SWITCH_ID_ANNOTATION, switchIdOps } from './workloads';

describe('switchIdOps', () => {
  const apply = (object: any, id?: string) =>
    applyPatch(structuredClone(object), switchIdOps(object, id) as any)
      .newDocument;

  it('adds the switch id to existing annotations, replacing an older one', () => {
    const service = {
      metadata: {
        name: 'my-app',
        annotations: { team: 'checkout', [SWITCH_ID_ANNOTATION]: 'old' },
      },
    };
    expect(apply(service, 'new').metadata.annotations).toEqual({
      team: 'checkout',
      [SWITCH_ID_ANNOTATION]: 'new',
    });
  });

  it('creates the annotations of an object that has none', () => {
    expect(apply({ metadata: { name: 'my-app' } }, 'id-1').metadata).toEqual({
      name: 'my-app',
      annotations: { [SWITCH_ID_ANNOTATION]: 'id-1' },
    });
  });

  it('writes nothing without a switch id', () => {
    expect(switchIdOps({ metadata: { name: 'x' } }, undefined)).toEqual([]);
  });
});

describe('pollUntil', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('checks at once, then after pauses that double from 10 ms up to the interval', async () => {
    const start = Date.now();
    const at: number[] = [];
    const polled = pollUntil(
      async () => {
        at.push(Date.now() - start);
        return { done: at.length === 7 };
      },
      10_000,
      100,
    );
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(polled).resolves.toEqual({ done: true });
    expect(at).toEqual([0, 10, 30, 70, 150, 250, 350]);
  });

  it('returns the last result once the timeout has passed', async () => {
    let calls = 0;
    const polled = pollUntil(
      async () => ({ done: false, calls: ++calls }),
      300,
      100,
    );
    await jest.advanceTimersByTimeAsync(1_000);
    const result = await polled;
    expect(result.done).toBe(false);
    // 0, 10, 30, 70, 150, 250, 350 (past the deadline: the last check)
    expect(result.calls).toBe(7);
  });
});
