import {
  Content,
  ContentHeader,
  Header,
  Page,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import {
  FLEET_ROW_STATUSES,
  FleetResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { SearchField, Select, SortDescriptor, useTable } from '@backstage/ui';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { useCallback, useMemo, useState } from 'react';
import { useFleet } from '../../hooks/useFleet';
import { errorMessage } from '../shared/errors';
import { formatBytes, formatCpu, formatTime } from '../shared/format';
import { FLEET_STATUS_TEXT } from '../shared/StatusLabels';
import {
  filterRows,
  FleetFilter,
  fleetCounts,
  FleetTableRow,
  isSelectable,
  NO_FILTER,
  searchRows,
  SortColumn,
  sortRows,
  StatusFilter,
  toTableRows,
} from './fleetView';
import { FleetTable, Muted } from './FleetTable';
import { idleTotals } from './idleTotals';
import { ScaleDownDialog } from './ScaleDownDialog';

const useStyles = makeStyles(theme => ({
  toolbar: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    alignItems: 'flex-end',
    marginBottom: theme.spacing(2),
  },
  search: { minWidth: 240 },
  select: { minWidth: 170 },
}));

/** Says which clusters could not be read: their services are listed as unreachable. */
const PartialBanner = ({ fleet }: { fleet: FleetResponse }) => {
  const down = fleet.clusters.filter(c => c.status === 'unavailable');
  if (!fleet.partial || down.length === 0) return null;
  return (
    <Box mb={2}>
      <WarningPanel
        severity="warning"
        title={`Partial data: cluster ${down
          .map(c => c.name)
          .join(', ')} could not be read`}
        message={
          <>
            {down.map(c => (
              <Typography key={c.name} variant="body2" component="div">
                {c.name}: {c.error}
              </Typography>
            ))}
            <Typography variant="body2" component="div">
              Their services are listed as unreachable; everything else is
              current.
            </Typography>
          </>
        }
      />
    </Box>
  );
};

const Summary = ({
  fleet,
  onShowIncidents,
}: {
  fleet: FleetResponse;
  onShowIncidents: () => void;
}) => {
  // Passes over every row: once per answer, not on every keystroke in the filters.
  const counts = useMemo(() => fleetCounts(fleet.rows), [fleet.rows]);
  const totals = useMemo(() => idleTotals(fleet.rows), [fleet.rows]);
  const kinds = [
    [counts.failing, 'failing'],
    [counts.rolledBack, 'rolled back'],
    [counts.unavailable, 'unreachable'],
    [counts.checksFailing, 'checks failing'],
  ].filter(([n]) => n) as Array<[number, string]>;
  return (
    <Typography variant="body1" paragraph aria-label="fleet summary">
      {counts.services} services ·{' '}
      {counts.incidents > 0 ? (
        <Button
          size="small"
          color="secondary"
          variant="outlined"
          onClick={onShowIncidents}
        >
          {counts.incidents} need attention (
          {kinds.map(([n, what]) => `${n} ${what}`).join(', ')})
        </Button>
      ) : (
        '0 need attention'
      )}{' '}
      · {counts.watching} watch{counts.watching === 1 ? '' : 'es'} running ·{' '}
      {counts.ready} ready to promote · idle colors hold {totals.replicas}{' '}
      replicas requesting {formatCpu(totals.cpuCores)} and{' '}
      {formatBytes(totals.memoryBytes)}
    </Typography>
  );
};

const STATUS_OPTIONS: Array<{ id: StatusFilter; label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'attention', label: 'Needs attention' },
  ...FLEET_ROW_STATUSES.map(status => ({
    id: status,
    label: FLEET_STATUS_TEXT[status],
  })),
];

const ANY = '';
const optionsOf = (values: Array<string | undefined>) => [
  { id: ANY, label: 'Any' },
  ...[...new Set(values.filter((v): v is string => Boolean(v)))]
    .sort()
    .map(v => ({ id: v, label: v })),
];

const DEFAULT_SORT: SortDescriptor = {
  column: 'status',
  direction: 'ascending',
};

/** The fleet page's body: banner, summary, filters, bulk action and the table. */
export const FleetContent = () => {
  const classes = useStyles();
  const { fleet, error, loading, reload } = useFleet();
  // Keys (`entityRef@cluster`), so that a selection survives every reload.
  const [selectedKeys, setSelectedKeys] = useState<ReadonlySet<string>>(
    () => new Set(),
  );
  // The rows the dialog was opened with: reloads while it is open do not change its list.
  const [dialogRows, setDialogRows] = useState<FleetTableRow[]>();
  const [filter, setFilter] = useState<FleetFilter>(NO_FILTER);
  const [sort, setSort] = useState<SortDescriptor>(DEFAULT_SORT);

  const rows = useMemo(
    () => (fleet ? toTableRows(fleet.rows) : undefined),
    [fleet],
  );
  // What is selected and may still be scaled down, in the current answer.
  const selected = useMemo(
    () => (rows ?? []).filter(r => selectedKeys.has(r.id) && isSelectable(r)),
    [rows, selectedKeys],
  );

  // The filters' choices, from every row: computed once per answer.
  const choices = useMemo(
    () => ({
      owner: optionsOf((rows ?? []).flatMap(r => r.owner.split(', '))),
      cluster: optionsOf((rows ?? []).map(r => r.cluster)),
      strategy: optionsOf((rows ?? []).map(r => r.strategy)),
    }),
    [rows],
  );

  const { tableProps, search } = useTable<FleetTableRow, FleetFilter>({
    mode: 'complete',
    data: rows,
    filter,
    onFilterChange: setFilter,
    sort,
    onSortChange: setSort,
    filterFn: filterRows,
    searchFn: searchRows,
    sortFn: useCallback(
      (data: FleetTableRow[], by: SortDescriptor) =>
        sortRows(data, by.column as SortColumn, by.direction),
      [],
    ),
    // Pages as short as the catalog's: each row is several lines, and drawing a page is what
    // a filter or a sort waits for.
    paginationOptions: { pageSize: 20, pageSizeOptions: [20, 50, 100, 200] },
  });

  if (!fleet || !rows) {
    return error ? (
      <WarningPanel
        severity="error"
        defaultExpanded
        title="Could not load the fleet"
        message={errorMessage(error)}
      />
    ) : (
      <Progress />
    );
  }
  const pagination =
    tableProps.pagination.type === 'page' ? tableProps.pagination : undefined;

  return (
    // The plugin's own elements (accessibility checks are run on them).
    <div data-blue-green="fleet">
      <ContentHeader title="Fleet">
        <Button
          variant="outlined"
          disabled={selected.length === 0}
          onClick={() => setDialogRows(selected)}
        >
          Scale down idle colors
          {selected.length ? ` (${selected.length})` : ''}
        </Button>
        <Box ml={1}>
          <Button
            variant="outlined"
            disabled={loading}
            onClick={() => reload({ refresh: true })}
          >
            Refresh
          </Button>
        </Box>
      </ContentHeader>
      <PartialBanner fleet={fleet} />
      {fleet.warnings.map(w => (
        <Box mb={2} key={w}>
          <WarningPanel severity="info" title={w} />
        </Box>
      ))}
      {error && (
        <Box mb={2}>
          <WarningPanel
            severity="error"
            title="Could not reload the fleet; showing the last answer"
            message={errorMessage(error)}
          />
        </Box>
      )}
      <Summary
        fleet={fleet}
        onShowIncidents={() => setFilter({ ...filter, status: 'attention' })}
      />
      <div
        className={classes.toolbar}
        role="search"
        aria-label="Filter the fleet"
      >
        <SearchField
          className={classes.search}
          label="Search"
          placeholder="Service, owner, cluster, version"
          value={search.value}
          onChange={search.onChange}
        />
        <Select
          className={classes.select}
          label="Status"
          options={STATUS_OPTIONS}
          selectedKey={filter.status}
          onSelectionChange={key =>
            setFilter({ ...filter, status: key as StatusFilter })
          }
        />
        {(['owner', 'cluster', 'strategy'] as const).map(field => (
          <Select
            key={field}
            className={classes.select}
            label={field[0].toLocaleUpperCase() + field.slice(1)}
            options={choices[field]}
            selectedKey={filter[field] ?? ANY}
            onSelectionChange={key =>
              setFilter({ ...filter, [field]: String(key) || undefined })
            }
          />
        ))}
      </div>
      {pagination && (
        <FleetTable
          page={{ ...pagination, rows: tableProps.data ?? [] }}
          sort={sort}
          onSortChange={setSort}
          selected={selectedKeys}
          onSelectionChange={setSelectedKeys}
          loading={loading}
        />
      )}
      <Muted variant="caption">
        Read at {formatTime(fleet.generatedAt)}. The page reloads by itself
        after a switch or a scale made through Blue/Green, and every 30 seconds.
      </Muted>
      {dialogRows && (
        <ScaleDownDialog
          rows={dialogRows}
          onClose={changed => {
            setDialogRows(undefined);
            if (changed) {
              setSelectedKeys(new Set());
              reload({ refresh: true });
            }
          }}
        />
      )}
    </div>
  );
};

/**
 * The fleet page at `/blue-green`: every blue/green service across clusters, incidents first —
 * what fails, what was rolled back, what waits for promotion, and what idle colors cost.
 *
 * @public
 */
export const FleetPage = () => (
  <Page themeId="tool">
    <Header
      title="Blue/Green"
      subtitle="Every blue/green service across clusters: what needs attention, what is live, what waits, what idle colors cost"
    />
    <Content>
      <FleetContent />
    </Content>
  </Page>
);
