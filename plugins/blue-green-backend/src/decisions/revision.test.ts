import { color, snapshot } from '../__testUtils__/snapshots';
import { revisionOf, stateDigest, versionKey } from './revision';

describe('revisionOf', () => {
  it('stays the same when only replica counts move', () => {
    const before = snapshot();
    const scaled = snapshot({
      colors: {
        ...before.colors,
        green: color('green', { desired: 5, ready: 1 }),
      },
    });
    expect(revisionOf(scaled)).toBe(revisionOf(before));
  });

  it('changes with the live color, an image, or the strategy state', () => {
    const base = revisionOf(snapshot());
    expect(revisionOf(snapshot({ live: 'green' }))).not.toBe(base);
    expect(
      revisionOf(
        snapshot({
          colors: {
            ...snapshot().colors,
            green: color('green', { version: 'v3' }),
          },
        }),
      ),
    ).not.toBe(base);
    expect(revisionOf(snapshot({ state: { paused: true } }))).not.toBe(base);
  });

  it('names a point in history: a write to the switched object, or a switch, makes it stale', () => {
    const at = (objectVersion: string, lastSwitch?: string) =>
      revisionOf(
        snapshot({ objectVersion }),
        lastSwitch ? { id: lastSwitch } : undefined,
      );
    // Blue live at first; promote (switch s1), then roll back (s2): blue is live again, as
    // before, but the first token is not that of the state now.
    const first = at('10');
    expect(at('12', 's2')).not.toBe(first);
    // Even where the object's version says nothing (a strategy without one), the switch does.
    expect(revisionOf(snapshot(), { id: 's2' })).not.toBe(
      revisionOf(snapshot()),
    );
    // Changed by hand and back (kubectl edit twice): the object's version moved.
    expect(at('14')).not.toBe(first);
    expect(at('10')).toBe(first);
  });
});

describe('stateDigest', () => {
  it('is the cluster state alone, whatever the history says', () => {
    expect(stateDigest(snapshot())).toBe(stateDigest(snapshot()));
    expect(stateDigest(snapshot({ objectVersion: 'g2' }))).not.toBe(
      stateDigest(snapshot({ objectVersion: 'g3' })),
    );
  });
});

describe('versionKey', () => {
  it('names the version label and a digest of the images', () => {
    const key = versionKey(snapshot(), 'green');
    expect(key).toMatch(/^v2@[A-Za-z0-9_-]{12}$/);
    const rebuilt = snapshot({
      colors: {
        ...snapshot().colors,
        green: { ...color('green'), images: ['my-app:v2-rebuilt'] },
      },
    });
    expect(versionKey(rebuilt, 'green')).not.toBe(key);
  });
});
