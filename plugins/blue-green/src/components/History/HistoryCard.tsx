import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { useHistory } from '../../hooks/useHistory';
import { ActorName } from '../shared/ActorName';
import { ColorName } from '../shared/ColorName';
import { errorMessage } from '../shared/errors';
import { formatTime, relativeTime } from '../shared/format';
import { OutcomeLabel } from '../shared/StatusLabels';

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
  deploy: 'deploy',
  'cancel-shift': 'shift cancelled',
};

const columns: TableColumn<HistoryEntry>[] = [
  {
    title: 'When',
    render: e => (
      <span title={formatTime(e.createdAt)}>{relativeTime(e.createdAt)}</span>
    ),
  },
  { title: 'Who', render: e => <ActorName actor={e.actor} /> },
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
 * pages.
 */
export const HistoryCard = ({
  entity,
  version,
}: {
  entity: CompoundEntityRef;
  /** Changes on every change of the entity: reload the page shown. */
  version: number;
}) => {
  const { page, error, loading, pageNumber, newer, older } = useHistory(
    entity,
    version,
  );

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
          <Button size="small" disabled={pageNumber === 1} onClick={newer}>
            Newer
          </Button>
          <Button size="small" disabled={!page.nextCursor} onClick={older}>
            Older
          </Button>
        </Box>
      </Box>
    </div>
  );
};
