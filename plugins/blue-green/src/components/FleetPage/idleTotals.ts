import { FleetRow } from '@bluegreen-backstage/plugin-blue-green-common';

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
