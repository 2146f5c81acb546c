import { color, snapshot } from '../__testUtils__/snapshots';
import { revisionOf, versionKey } from './revision';

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
