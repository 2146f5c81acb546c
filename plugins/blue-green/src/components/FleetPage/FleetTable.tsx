import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { FleetRow } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  Cell,
  Column,
  Row,
  SortDescriptor,
  TableBody,
  TableHeader,
  TablePagination,
  TablePaginationProps,
  TableRoot,
} from '@backstage/ui';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode, useCallback, useEffect, useState } from 'react';
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
import {
  FleetTableRow,
  isIncident,
  notSelectableReason,
  SortColumn,
  statusLine,
} from './fleetView';

const NONE = '—';

const useStyles = makeStyles(theme => ({
  cell: {
    verticalAlign: 'top',
    // Long words break at their end, never letter by letter.
    overflowWrap: 'break-word',
    wordBreak: 'normal',
    fontSize: theme.typography.body2.fontSize,
  },
  line: { display: 'block' },
  nowrap: { whiteSpace: 'nowrap' },
  incident: {
    boxShadow: `inset 4px 0 0 ${theme.palette.error.main}`,
  },
  scroll: { overflowX: 'auto' },
  // The theme's secondary text is 4.47:1 on the light page background; text needs 4.5:1.
  muted: {
    color:
      theme.palette.type === 'light'
        ? theme.palette.grey[700]
        : theme.palette.text.secondary,
  },
}));

const TABLE_MIN_WIDTH = 1080;

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

/** Secondary text, readable on the page's background (at least 4.5:1). */
export const Muted = ({
  children,
  variant = 'body2',
}: {
  children: ReactNode;
  variant?: 'body2' | 'caption';
}) => (
  <Typography variant={variant} component="span" className={useStyles().muted}>
    {children}
  </Typography>
);

function liveCell(row: FleetRow) {
  const live =
    row.live === 'blue' || row.live === 'green'
      ? row.colors?.[row.live]
      : undefined;
  if (row.live === 'split' && row.colors) {
    return `split ${row.colors.blue.weight}/${row.colors.green.weight}`;
  }
  if (!live || !row.colors) return row.live;
  const idleColor = row.live === 'blue' ? 'green' : 'blue';
  return (
    <>
      <span data-testid={`live-${row.key}`}>
        <ColorName color={row.live} />
      </span>{' '}
      {live.version ?? '?'}
      <br />
      <Muted>
        idle {idleColor} {row.colors[idleColor].version ?? '?'}
      </Muted>
    </>
  );
}

function idleCell(row: FleetRow, classes: ReturnType<typeof useStyles>) {
  const blocked = notSelectableReason(row);
  const reason = row.scaleDown && !row.scaleDown.allowed && row.scaleDown;
  if (!row.idle) return NONE;
  const { idle } = row;
  let cost: string;
  if (idle.replicas === 0) cost = 'scaled to 0';
  else if (idle.cpuCores || idle.memoryBytes) {
    cost = `${formatCpu(idle.cpuCores)} · ${formatBytes(idle.memoryBytes)}`;
  } else cost = 'no requests set';
  return (
    <span aria-label={`idle ${idle.color}: ${idle.replicas} replicas`}>
      <span className={classes.nowrap}>
        {idle.replicas} × <ColorName color={idle.color} />
      </span>
      <br />
      <Muted>{cost}</Muted>
      {blocked && reason && reason.outcome !== 'skipped' && (
        <span className={classes.line}>
          <Muted>
            <span title={blocked}>
              {reason.outcome === 'denied'
                ? 'you may not scale it'
                : 'cannot scale here'}
            </span>
          </Muted>
        </span>
      )}
    </span>
  );
}

/** Pre-deploy checklist, post-promote watch and firing criteria. */
function checksCell(row: FleetRow) {
  const lines: ReactNode[] = [];
  if (row.preDeploy) {
    lines.push(
      <CheckStatusLabel key="pre" status={row.preDeploy}>
        pre-deploy {row.preDeploy}
      </CheckStatusLabel>,
    );
  }
  const { watch } = row;
  if (watch) {
    lines.push(
      <span key="watch">
        watch{' '}
        {watch.state === 'running'
          ? `running, ${remaining(watch.endsAt)} left`
          : watch.state}
      </span>,
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
      {/* The actor can be a link that wraps: the time gets its own line. */}
      <Muted>
        <ActorName actor={last.actor} />
      </Muted>
      <br />
      <Muted>{relativeTime(last.createdAt)}</Muted>
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

type ColumnDef = {
  id: SortColumn;
  label: string;
  /** Share of the table's width, in percent (the selection column takes 40 px). */
  width: number;
  isRowHeader?: boolean;
};

/**
 * Shares that fit 1440 px with the sidebar open; below the table's minimum width it scrolls
 * sideways instead of squeezing words.
 */
const COLUMNS: ColumnDef[] = [
  { id: 'service', label: 'Service', width: 15, isRowHeader: true },
  { id: 'status', label: 'Status', width: 15 },
  { id: 'cluster', label: 'Cluster', width: 10 },
  { id: 'live', label: 'Live', width: 12 },
  { id: 'idle', label: 'Idle cost', width: 11 },
  { id: 'checks', label: 'Checks', width: 13 },
  { id: 'lastSwitch', label: 'Last switch', width: 14 },
  { id: 'traffic', label: 'Traffic', width: 10 },
];

/**
 * Rows drawn in the first frame after the user changes what the page shows (a filter, a sort, a
 * page): more than fit on a 1440×900 screen under the page's header and filters.
 */
export const FIRST_FRAME_ROWS = 8;

/**
 * The page's rows to draw now. Each row of the table costs several milliseconds to draw whatever
 * it holds (measured in docs/benchmarks.md), so when other rows replace the page's rows, the
 * first frame draws the rows on screen and the next one the rest of the page. Reloads of the
 * same rows draw them all at once: nothing below moves.
 */
function useRowsToDraw(rows: FleetTableRow[]): FleetTableRow[] {
  const ids = rows.map(r => r.id).join('\n');
  const [drawn, setDrawn] = useState({ ids, all: true });
  let all = drawn.all;
  if (drawn.ids !== ids) {
    // Set while rendering: this render already draws only the first rows.
    all = rows.length <= FIRST_FRAME_ROWS || isSubset(drawn.ids, ids);
    setDrawn({ ids, all });
  }
  useEffect(() => {
    if (all) return undefined;
    // After the first frame is painted.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setDrawn(d => ({ ...d, all: true })));
    });
    return () => {
      cancelAnimationFrame(frame);
      if (timer) clearTimeout(timer);
    };
  }, [all, ids]);
  return all ? rows : rows.slice(0, FIRST_FRAME_ROWS);
}

/** Whether every row of `now` was drawn before (a reload, or rows leaving): nothing new to draw. */
function isSubset(before: string, now: string): boolean {
  const known = new Set(before.split('\n'));
  return now.split('\n').every(id => known.has(id));
}

/** One page of rows and the pager's state. */
export type FleetTablePage = TablePaginationProps & { rows: FleetTableRow[] };

/**
 * One page of the fleet: a row per service and cluster, incidents marked, sortable columns, and a
 * checkbox on each row whose idle color this user may scale down (the others say why not).
 */
export const FleetTable = (props: {
  page: FleetTablePage;
  sort: SortDescriptor;
  onSortChange: (sort: SortDescriptor) => void;
  selected: ReadonlySet<string>;
  onSelectionChange: (keys: Set<string>) => void;
  loading: boolean;
}) => {
  const { page, sort, onSortChange, selected, onSelectionChange } = props;
  const { rows: _rows, ...pager } = page;
  const classes = useStyles();
  const tabLink = useTabLink();
  const disabled = page.rows.filter(r => notSelectableReason(r)).map(r => r.id);
  const drawn = useRowsToDraw(page.rows);

  const render = (row: FleetTableRow, column: SortColumn): ReactNode => {
    switch (column) {
      case 'service':
        return (
          <>
            <Link to={tabLink(row)}>{row.title ?? row.name}</Link>
            <br />
            <Muted>
              {row.owner || NONE} · {row.strategy}
            </Muted>
          </>
        );
      case 'status': {
        const line = statusLine(row);
        return (
          <>
            <span className={classes.nowrap}>
              <FleetStatusLabel status={row.status} />
            </span>
            {line && (
              <span className={classes.line}>
                <Muted>{line}</Muted>
              </span>
            )}
          </>
        );
      }
      case 'cluster':
        return (
          <>
            {row.cluster ?? NONE}
            <br />
            <Muted>{row.namespace || NONE}</Muted>
          </>
        );
      case 'live':
        return liveCell(row);
      case 'idle':
        return idleCell(row, classes);
      case 'checks':
        return checksCell(row);
      case 'lastSwitch':
        return lastSwitchCell(row);
      case 'traffic':
        return trafficCell(row);
      default:
        return null;
    }
  };

  return (
    <>
      <div className={classes.scroll}>
        <TableRoot
          // Not a className: that would replace the table's own.
          style={{ minWidth: TABLE_MIN_WIDTH }}
          aria-label="Blue/green services"
          selectionMode="multiple"
          selectionBehavior="toggle"
          // Only the checkbox is disabled on a row this user may not scale: its link still works.
          disabledBehavior="selection"
          disabledKeys={disabled}
          selectedKeys={
            new Set(page.rows.filter(r => selected.has(r.id)).map(r => r.id))
          }
          onSelectionChange={keys => {
            const next = new Set(selected);
            for (const row of page.rows) {
              const on =
                keys === 'all' ? !disabled.includes(row.id) : keys.has(row.id);
              if (on) next.add(row.id);
              else next.delete(row.id);
            }
            onSelectionChange(next);
          }}
          sortDescriptor={sort}
          onSortChange={onSortChange}
          stale={props.loading}
        >
          <TableHeader columns={COLUMNS}>
            {column => (
              <Column
                id={column.id}
                isRowHeader={column.isRowHeader}
                allowsSorting
                style={{ width: `${column.width}%` }}
              >
                {column.label}
              </Column>
            )}
          </TableHeader>
          <TableBody
            items={drawn}
            renderEmptyState={() => (
              <Typography style={{ padding: 16 }}>
                No blue/green service matches. An entity appears here when it
                carries the annotation blue-green.backstage.io/strategy and you
                may see it in the catalog.
              </Typography>
            )}
          >
            {row => (
              <Row
                id={row.id}
                columns={COLUMNS}
                className={isIncident(row) ? classes.incident : undefined}
              >
                {column => (
                  <Cell className={classes.cell}>{render(row, column.id)}</Cell>
                )}
              </Row>
            )}
          </TableBody>
        </TableRoot>
      </div>
      <TablePagination {...pager} />
    </>
  );
};
