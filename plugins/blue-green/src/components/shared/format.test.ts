import {
  formatBytes,
  formatCpu,
  formatTime,
  relativeTime,
  remaining,
} from './format';

const now = Date.parse('2026-03-03T14:05:00Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('format', () => {
  it('says how long ago or until, in words', () => {
    expect(relativeTime(at(-3 * 60_000), now)).toBe('3 minutes ago');
    expect(relativeTime(at(4 * 60_000), now)).toBe('in 4 minutes');
    expect(relativeTime(at(-2 * 86_400_000), now)).toBe('2 days ago');
    expect(relativeTime(at(-400), now)).toBe('now');
    expect(relativeTime(at(-86_400_000), now)).toBe('yesterday');
    expect(relativeTime('not a time', now)).toBe('not a time');
  });

  it('counts down the time left as m:ss, never below zero', () => {
    expect(remaining(at(245_000), now)).toBe('4:05');
    expect(remaining(at(-5_000), now)).toBe('0:00');
    expect(remaining('not a time', now)).toBe('0:00');
  });

  it('writes a time of today without its date', () => {
    const today = new Date();
    today.setHours(14, 5, 9);
    expect(formatTime(today.toISOString())).not.toMatch(/20\d\d/);
    expect(formatTime('2020-03-03T14:05:00Z')).toMatch(/2020/);
    expect(formatTime('not a time')).toBe('not a time');
  });

  it('writes sizes and cores as people read them', () => {
    expect(formatBytes(768 * 1024 ** 2)).toBe('768 MiB');
    expect(formatBytes(2.8 * 1024 ** 3)).toBe('2.8 GiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatCpu(0.75)).toBe('0.75 CPU');
    expect(formatCpu(1 / 3)).toBe('0.33 CPU');
  });
});
