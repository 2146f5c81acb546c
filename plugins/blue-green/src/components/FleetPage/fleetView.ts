import { parseEntityRef } from '@backstage/catalog-model';
import {
  FLEET_INCIDENTS,
  FLEET_ROW_STATUSES,
  FleetRow,
  FleetRowStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { relativeTime, remaining } from '../shared/format';

/** A fleet row as the table holds it: its key as id, and what filters, search and sort read. */
export type FleetTableRow = FleetRow & {
  id: string;
  /** Owner names as shown, e.g. `team-checkout`. */
  owner: string;
  /** Lower-case text the search looks in. */
  text: string;
  /** Position of the status in the urgency order. */
  urgency: number;
};

/** `all`, the incidents (`attention`), or one status. */
export type StatusFilter = 'all' | 'attention' | FleetRowStatus;

export type FleetFilter = {
  status: StatusFilter;
  owner?: string;
  cluster?: string;
  strategy?: string;
};

export const NO_FILTER: FleetFilter = { status: 'all' };

const urgency = new Map(FLEET_ROW_STATUSES.map((status, i) => [status, i]));
const incidents = new Set(FLEET_INCIDENTS);

/** Whether the row is an incident: someone should look now. */
export const isIncident = (row: FleetRow) => incidents.has(row.status);

/** `team-checkout` for `group:default/team-checkout`; other kinds and namespaces in full. */
export function ownerName(ref: string): string {
  try {
    const { kind, namespace, name } = parseEntityRef(ref);
    if (kind === 'group' && namespace === 'default') return name;
    return namespace === 'default' ? `${kind}:${name}` : ref;
  } catch {
    return ref;
  }
}

export function toTableRows(rows: FleetRow[]): FleetTableRow[] {
  return rows.map(row => {
    const owner = row.owners.map(ownerName).join(', ');
    return {
      ...row,
      id: row.key,
      owner,
      text: [
        row.title,
        row.name,
        owner,
        row.cluster,
        row.namespace,
        row.strategy,
        row.colors?.blue.version,
        row.colors?.green.version,
      ]
        .filter(Boolean)
        .join(' ')
        .toLocaleLowerCase(),
      urgency: urgency.get(row.status) ?? FLEET_ROW_STATUSES.length,
    };
  });
}

export function filterRows(
  rows: FleetTableRow[],
  filter: FleetFilter,
): FleetTableRow[] {
  return rows.filter(
    row =>
      (filter.status === 'all' ||
        (filter.status === 'attention'
          ? isIncident(row)
          : row.status === filter.status)) &&
      (!filter.owner || row.owners.some(o => ownerName(o) === filter.owner)) &&
      (!filter.cluster || row.cluster === filter.cluster) &&
      (!filter.strategy || row.strategy === filter.strategy),
  );
}

/** Rows whose text holds every word of the search. */
export function searchRows(
  rows: FleetTableRow[],
  search: string,
): FleetTableRow[] {
  const words = search.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter(row => words.every(word => row.text.includes(word)));
}

export type SortColumn =
  | 'service'
  | 'status'
  | 'cluster'
  | 'live'
  | 'idle'
  | 'checks'
  | 'lastSwitch'
  | 'traffic';

const SORT_KEYS: Record<SortColumn, (row: FleetTableRow) => string | number> = {
  service: row => (row.title ?? row.name).toLocaleLowerCase(),
  status: row => row.urgency,
  cluster: row => `${row.cluster ?? ''}/${row.namespace}`,
  live: row => row.live,
  idle: row => row.idle?.cpuCores ?? -1,
  checks: row => row.preDeploy ?? '',
  lastSwitch: row => row.lastSwitch?.createdAt ?? '',
  traffic: row => row.traffic?.rps ?? -1,
};

/** Sorted by a column; rows that tie stay in urgency order. */
export function sortRows(
  rows: FleetTableRow[],
  column: SortColumn,
  direction: 'ascending' | 'descending',
): FleetTableRow[] {
  const key = SORT_KEYS[column] ?? SORT_KEYS.status;
  const sign = direction === 'descending' ? -1 : 1;
  return rows
    .map(row => ({ row, key: key(row) }))
    .sort((a, b) => {
      if (a.key < b.key) return -sign;
      if (a.key > b.key) return sign;
      return a.row.urgency - b.row.urgency;
    })
    .map(({ row }) => row);
}

/** Whether the row's idle color may be scaled down by this user now. */
export function isSelectable(row: FleetRow): boolean {
  if (row.scaleDown) return row.scaleDown.allowed;
  // An older backend without decisions: what there is to scale; the dialog checks the rest.
  return Boolean(row.idle && row.idle.replicas > 0);
}

/** Why the row cannot be selected for a scale-down, when it can't. */
export function notSelectableReason(row: FleetRow): string | undefined {
  if (isSelectable(row)) return undefined;
  if (row.scaleDown && !row.scaleDown.allowed) return row.scaleDown.reason;
  return 'nothing to scale down';
}

/** The one line that says why a row has its status. */
export function statusLine(
  row: FleetRow,
  now = Date.now(),
): string | undefined {
  switch (row.status) {
    case 'failing': {
      if (row.firing?.length) return `watch: ${row.firing.join(', ')}`;
      const live =
        row.live === 'blue' || row.live === 'green'
          ? row.colors?.[row.live]
          : undefined;
      return live
        ? `live ${row.live}: ${live.replicas.ready}/${live.replicas.desired} ready`
        : undefined;
    }
    case 'rolled-back': {
      const last = row.lastSwitch;
      if (!last) return undefined;
      const why = last.reason?.replace(/^automatic rollback:\s*/i, '');
      return `automatically ${relativeTime(last.createdAt, now)}${
        why ? `: ${why}` : ''
      }`;
    }
    case 'unavailable':
    case 'misconfigured':
      return row.problems[0];
    case 'checks-failing':
      return 'pre-deploy checks fail';
    case 'checks-pending':
      if (!row.promotable) return 'idle color not ready';
      return row.preDeploy
        ? 'checks or sign-offs missing'
        : 'checks not evaluated yet';
    case 'watching':
      return row.watch ? `${remaining(row.watch.endsAt, now)} left` : undefined;
    case 'switching':
      return row.inProgress?.action;
    default:
      return undefined;
  }
}

/** What the summary line counts. */
export function fleetCounts(rows: FleetRow[]) {
  const by = (status: FleetRowStatus) =>
    rows.filter(r => r.status === status).length;
  return {
    services: rows.length,
    incidents: rows.filter(isIncident).length,
    failing: by('failing'),
    rolledBack: by('rolled-back'),
    unavailable: by('unavailable'),
    checksFailing: by('checks-failing'),
    watching: rows.filter(r => r.watch?.state === 'running').length,
    ready: by('waiting'),
  };
}
