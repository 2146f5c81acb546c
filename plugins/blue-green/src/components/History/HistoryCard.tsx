import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import {
  HistoryEntry,
  HistoryPage,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { useCallback, useEffect, useState } from 'react';
import { blueGreenApiRef } from '../../api';
import {
  actorName,
  ColorName,
  errorMessage,
  formatTime,
  OutcomeLabel,
  relativeTime,
} from '../common';

export const PAGE_SIZE = 10;

const ACTION_TEXT: Record<HistoryEntry['action'], string> = {
  promote: 'promote',
  rollback: 'rollback',
  'auto-rollback': 'automatic rollback',
  scale: 'scale',
  'scale-down': 'scheduled scale-down',
  'preview-route': 'preview route',
  mirror: 'mirror',
  'sign-off': 'sign-off',
  'sign-off-withdrawn': 'sign-off withdrawn',
};

const columns: TableColumn<HistoryEntry>[] = [
  {
    title: 'When',
    render: e => (
      <span title={formatTime(e.createdAt)}>{relativeTime(e.createdAt)}</span>
    ),
  },
  { title: 'Who', render: e => actorName(e.actor) },
  {
    title: 'What',
    render: e => (
      <>
        {ACTION_TEXT[e.action] ?? e.action}
        {e.forced && (
          <Chip
            size="small"
            label="forced"
            color="secondary"
            style={{ marginLeft: 8 }}
          />
        )}
      </>
    ),
  },
  {
    title: 'From → to',
    render: e =>
      e.from || e.to ? (
        <>
          {e.from ? <ColorName color={e.from} /> : '—'} →{' '}
          {e.to ? <ColorName color={e.to} /> : '—'}
        </>
      ) : (
        '—'
      ),
  },
  { title: 'Outcome', render: e => <OutcomeLabel outcome={e.outcome} /> },
  {
    title: 'Reason',
    render: e => (
      <>
        {e.reason ?? ''}
        {e.error && (
          <Typography variant="body2" color="error">
            {e.error}
          </Typography>
        )}
      </>
    ),
  },
];

/**
 * Every promote, rollback, automatic rollback, scale and sign-off of the entity, newest first, in
 * pages of {@link PAGE_SIZE} (the backend pages with a cursor).
 */
export const HistoryCard = ({
  entity,
  version,
}: {
  entity: CompoundEntityRef;
  /** Changes on every signal for the entity: reload the page shown. */
  version: number;
}) => {
  const api = useApi(blueGreenApiRef);
  // Cursors of the pages before the one shown, to go back to newer pages.
  const [cursors, setCursors] = useState<Array<string | undefined>>([
    undefined,
  ]);
  const [page, setPage] = useState<HistoryPage>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const before = cursors[cursors.length - 1];
  const { namespace, kind, name } = entity;

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setPage(
        await api.getHistory(
          { namespace, kind, name },
          { limit: PAGE_SIZE, before },
        ),
      );
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoading(false);
    }
  }, [api, namespace, kind, name, before]);

  useEffect(() => {
    load();
  }, [load, version]);

  if (error && !page) {
    return (
      <InfoCard title="History">
        <WarningPanel
          defaultExpanded
          title="The history could not be loaded"
          message={errorMessage(error)}
        />
      </InfoCard>
    );
  }
  if (!page) {
    return (
      <InfoCard title="History">
        <Progress />
      </InfoCard>
    );
  }
  const pageNumber = cursors.length;
  return (
    <div data-testid="history">
      <Table<HistoryEntry>
        title="History"
        subtitle={`${page.total} entries`}
        isLoading={loading}
        columns={columns}
        data={page.items}
        options={{
          paging: false,
          search: false,
          padding: 'dense',
          sorting: false,
          draggable: false,
        }}
        emptyContent={
          <Box p={2}>
            <Typography>No switches yet.</Typography>
          </Box>
        }
      />
      <Box display="flex" justifyContent="flex-end" alignItems="center" mt={1}>
        <Typography variant="body2" color="textSecondary">
          Page {pageNumber}
        </Typography>
        <Box ml={2}>
          <Button
            size="small"
            disabled={pageNumber === 1}
            onClick={() => setCursors(c => c.slice(0, -1))}
          >
            Newer
          </Button>
          <Button
            size="small"
            disabled={!page.nextCursor}
            onClick={() => setCursors(c => [...c, page.nextCursor])}
          >
            Older
          </Button>
        </Box>
      </Box>
    </div>
  );
};
