import { parseEntityRef } from '@backstage/catalog-model';
import {
  Link,
  StatusError,
  Table,
  TableColumn,
  TableFilter,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  EntityRefLinks,
  entityRouteRef,
  humanizeEntityRef,
} from '@backstage/plugin-catalog-react';
import { FleetRow } from '@bluegreen-backstage/plugin-blue-green-common';
import Typography from '@material-ui/core/Typography';
import { ReactNode, useCallback, useMemo } from 'react';
import { ActorName } from '../shared/ActorName';
import { ColorName } from '../shared/ColorName';
import {
  formatBytes,
  formatCpu,
  formatTime,
  relativeTime,
  remaining,
} from '../shared/format';
import { CheckStatusLabel, FleetStatusLabel } from '../shared/StatusLabels';

/** A fleet row with the flat fields the table filters and sorts on. */
export type FleetTableRow = FleetRow & {
  owner: string;
  clusterName: string;
  idleCpu: number;
  lastSwitchAt: string;
};

const NONE = '—';

/** Link to an entity's Blue/Green tab (the catalog's entity route, when the app has it). */
function useTabLink(): (row: FleetRow) => string {
  let entityLink: ((params: any) => string) | undefined;
  try {
    // eslint-disable-next-line react-hooks/rules-of-hooks
    entityLink = useRouteRef(entityRouteRef);
  } catch {
    entityLink = undefined;
  }
  return useCallback(
    (row: FleetRow) => {
      const params = {
        namespace: row.entityNamespace,
        kind: row.kind.toLocaleLowerCase('en-US'),
        name: row.name,
      };
      const base = entityLink
        ? entityLink(params)
        : `/catalog/${params.namespace}/${params.kind}/${params.name}`;
      return `${base}/blue-green`;
    },
    [entityLink],
  );
}

const Muted = ({ children }: { children: ReactNode }) => (
  <Typography variant="body2" color="textSecondary" component="span">
    {children}
  </Typography>
);

function liveCell(row: FleetRow) {
  if (row.live === 'blue' || row.live === 'green') {
    return <ColorName color={row.live} />;
  }
  if (row.live === 'split' && row.colors) {
    return `split ${row.colors.blue.weight}/${row.colors.green.weight}`;
  }
  return row.live;
}

function versionsCell(row: FleetRow) {
  if (!row.colors) return NONE;
  if (row.live !== 'blue' && row.live !== 'green') {
    return `blue ${row.colors.blue.version ?? '?'} · green ${
      row.colors.green.version ?? '?'
    }`;
  }
  const live = row.colors[row.live];
  const idle = row.colors[row.live === 'blue' ? 'green' : 'blue'];
  return (
    <>
      {live.version ?? '?'}
      <br />
      <Muted>idle {idle.version ?? '?'}</Muted>
    </>
  );
}

function idleCell(row: FleetRow) {
  if (!row.idle) return NONE;
  const { idle } = row;
  return (
    <span aria-label={`idle ${idle.color}: ${idle.replicas} replicas`}>
      {idle.replicas} × <ColorName color={idle.color} />
      <br />
      <Muted>
        {idle.cpuCores || idle.memoryBytes
          ? `${formatCpu(idle.cpuCores)} · ${formatBytes(idle.memoryBytes)}`
          : 'no requests set'}
      </Muted>
    </span>
  );
}

function watchCell(row: FleetRow) {
  const { watch } = row;
  if (!watch) return NONE;
  if (watch.state === 'running') {
    return `running, ${remaining(watch.endsAt)} left`;
  }
  return watch.state;
}

/** Pre-deploy checklist, post-promote watch and firing criteria, from the checklist engine. */
function checksCell(row: FleetRow) {
  const lines: ReactNode[] = [];
  if (row.preDeploy) {
    lines.push(
      <CheckStatusLabel key="pre" status={row.preDeploy}>
        pre-deploy {row.preDeploy}
      </CheckStatusLabel>,
    );
  }
  if (row.watch) lines.push(<span key="watch">watch {watchCell(row)}</span>);
  if (row.firing?.length) {
    lines.push(
      <StatusError key="firing">firing: {row.firing.join(', ')}</StatusError>,
    );
  }
  if (lines.length === 0) return NONE;
  return lines.map((line, i) => <div key={i}>{line}</div>);
}

function lastSwitchCell(row: FleetRow) {
  const last = row.lastSwitch;
  if (!last) return NONE;
  return (
    <span title={formatTime(last.createdAt)}>
      {last.action} {last.from ?? '?'} → {last.to ?? '?'}
      <br />
      <Muted>
        <ActorName actor={last.actor} />, {relativeTime(last.createdAt)}
      </Muted>
    </span>
  );
}

function trafficCell(row: FleetRow) {
  if (!row.traffic) return NONE;
  const { rps, errorRatio } = row.traffic;
  return (
    <>
      {Math.round(rps * 10) / 10} req/s
      {errorRatio !== undefined && (
        <>
          <br />
          <Muted>{Math.round(errorRatio * 10000) / 100} % 5xx</Muted>
        </>
      )}
    </>
  );
}

export function toTableRows(rows: FleetRow[]): FleetTableRow[] {
  return rows.map(row => ({
    ...row,
    owner:
      row.owners
        .map(ref =>
          humanizeEntityRef(parseEntityRef(ref), { defaultKind: 'group' }),
        )
        .join(', ') || NONE,
    clusterName: row.cluster ?? NONE,
    idleCpu: row.idle?.cpuCores ?? 0,
    lastSwitchAt: row.lastSwitch?.createdAt ?? '',
  }));
}

const filters: TableFilter[] = [
  { column: 'Owner', type: 'select' },
  { column: 'Cluster', type: 'select' },
  { column: 'Strategy', type: 'select' },
  { column: 'Status', type: 'select' },
];

/**
 * The fleet: one row per service and cluster, with search, filters (owner, cluster, strategy,
 * status), sorting, and selection of the rows whose idle color can be scaled down.
 */
export const FleetTable = (props: {
  rows: FleetRow[];
  loading: boolean;
  onSelectionChange: (rows: FleetRow[]) => void;
  actions?: ReactNode;
}) => {
  const { rows, loading, onSelectionChange } = props;
  const tabLink = useTabLink();
  const data = useMemo(() => toTableRows(rows), [rows]);

  // Stable columns and options: material-table resets its selection when they change.
  const columns = useMemo<TableColumn<FleetTableRow>[]>(
    () => [
      {
        title: 'Service',
        field: 'name',
        highlight: true,
        render: row => (
          <>
            <Link to={tabLink(row)}>{row.title ?? row.name}</Link>
            {row.problems.length > 0 && (
              <>
                <br />
                <Muted>{row.problems[0]}</Muted>
              </>
            )}
          </>
        ),
      },
      {
        title: 'Status',
        field: 'status',
        render: row => <FleetStatusLabel status={row.status} />,
      },
      {
        title: 'Owner',
        field: 'owner',
        render: row =>
          row.owners.length ? (
            <EntityRefLinks entityRefs={row.owners} defaultKind="group" />
          ) : (
            NONE
          ),
      },
      {
        title: 'Cluster',
        field: 'clusterName',
        render: row => (
          <>
            {row.clusterName}
            <br />
            <Muted>{row.namespace}</Muted>
          </>
        ),
      },
      { title: 'Strategy', field: 'strategy' },
      {
        title: 'Live',
        field: 'live',
        render: row => (
          <span data-testid={`live-${row.key}`}>{liveCell(row)}</span>
        ),
      },
      { title: 'Version', sorting: false, render: versionsCell },
      {
        title: 'Idle cost',
        field: 'idleCpu',
        searchable: false,
        render: idleCell,
      },
      {
        title: 'Checks',
        field: 'preDeploy',
        render: checksCell,
      },
      {
        title: 'Last switch',
        field: 'lastSwitchAt',
        searchable: false,
        render: lastSwitchCell,
      },
      {
        title: 'Traffic',
        sorting: false,
        searchable: false,
        render: trafficCell,
      },
    ],
    [tabLink],
  );
  const options = useMemo(
    () => ({
      selection: true,
      selectionProps: (row: FleetTableRow) => ({
        disabled: !row.idle || row.idle.replicas === 0,
        inputProps: { 'aria-label': `select ${row.name}` },
      }),
      showTextRowsSelected: false,
      paging: rows.length > 50,
      pageSize: 50,
      padding: 'dense' as const,
      search: true,
      draggable: false,
    }),
    [rows.length],
  );

  return (
    <Table<FleetTableRow>
      title=""
      isLoading={loading && rows.length === 0}
      columns={columns}
      data={data}
      filters={filters}
      options={options}
      onSelectionChange={selected => onSelectionChange(selected)}
      emptyContent={
        <Typography style={{ padding: 16 }}>
          No blue/green service you can see. An entity appears here when it
          carries the annotation blue-green.backstage.io/strategy.
        </Typography>
      }
    />
  );
};
