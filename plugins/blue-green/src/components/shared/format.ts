import { DateTime, Duration } from 'luxon';

/** "3 minutes ago", "in 4 minutes", from an ISO time; `now` for tests and ticking clocks. */
export function relativeTime(iso: string, now = Date.now()): string {
  const time = DateTime.fromISO(iso);
  if (!time.isValid) return iso;
  // Luxon would say "0 seconds ago" (or "in 0 seconds" for a clock slightly ahead of ours).
  if (Math.abs(time.toMillis() - now) < 1000) return 'just now';
  return time.toRelative({ base: DateTime.fromMillis(now) }) ?? iso;
}

/** "4:05" remaining until `iso`, or "0:00". */
export function remaining(iso: string, now = Date.now()): string {
  const ms = DateTime.fromISO(iso).toMillis() - now;
  return Duration.fromMillis(Math.max(0, ms || 0)).toFormat('m:ss');
}

/** Time in the viewer's locale: "14:05:09" today, "3 Mar 2026, 14:05" on other days. */
export function formatTime(iso: string): string {
  const time = DateTime.fromISO(iso);
  if (!time.isValid) return iso;
  return time.hasSame(DateTime.now(), 'day')
    ? time.toLocaleString(DateTime.TIME_WITH_SECONDS)
    : time.toLocaleString(DateTime.DATETIME_MED);
}

/** `768 MiB`, `2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} ${units[unit]}`;
}

/** `0.75 CPU`. */
export function formatCpu(cores: number): string {
  return `${Math.round(cores * 100) / 100} CPU`;
}
