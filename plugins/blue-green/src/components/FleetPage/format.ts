import { FleetRow } from '@bluegreen-backstage/plugin-blue-green-common';

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

/** `team-checkout` for `group:default/team-checkout`. */
export function ownerName(ref: string): string {
  const match = /^[^:]+:(?:default\/)?(.+)$/.exec(ref);
  return match ? match[1] : ref;
}

/** What every idle color of the rows requests, added up. */
export function idleTotals(rows: FleetRow[]) {
  return rows.reduce(
    (sum, row) => ({
      replicas: sum.replicas + (row.idle?.replicas ?? 0),
      cpuCores: sum.cpuCores + (row.idle?.cpuCores ?? 0),
      memoryBytes: sum.memoryBytes + (row.idle?.memoryBytes ?? 0),
    }),
    { replicas: 0, cpuCores: 0, memoryBytes: 0 },
  );
}
