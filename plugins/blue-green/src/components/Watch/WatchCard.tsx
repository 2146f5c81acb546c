import { InfoCard } from '@backstage/core-components';
import { WatchStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import LinearProgress from '@material-ui/core/LinearProgress';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useNow } from '../../hooks/useNow';
import { ColorName } from '../shared/ColorName';
import { relativeTime, remaining } from '../shared/format';
import { CheckStatusLabel } from '../shared/StatusLabels';

const useStyles = makeStyles({
  nowrap: { whiteSpace: 'nowrap' },
  // Criterion names wrap between words only; long values (pod names, thresholds) wrap anywhere.
  criterion: { minWidth: 160 },
  value: { overflowWrap: 'anywhere', minWidth: 120 },
});

const STATE_TEXT: Record<WatchStatus['state'], string> = {
  running: 'watching',
  passed: 'passed',
  'rolled-back': 'rolled back',
  stopped: 'stopped',
};

/**
 * The post-promote watch: each rollback criterion with its current value, and the time left in
 * the window. Like Argo's postPromotionAnalysis, shown while it runs and after.
 */
export const WatchCard = ({ watch }: { watch: WatchStatus }) => {
  const classes = useStyles();
  const running = watch.state === 'running';
  const now = useNow(running);
  const total =
    new Date(watch.endsAt).getTime() - new Date(watch.startedAt).getTime();
  const elapsed = Math.min(
    100,
    Math.max(0, ((now - new Date(watch.startedAt).getTime()) / total) * 100),
  );
  return (
    <InfoCard
      title="Post-deploy watch"
      subheader={
        <span>
          after the promote to <ColorName color={watch.promotedTo} />, started{' '}
          {relativeTime(watch.startedAt, now)}
        </span>
      }
    >
      <Box display="flex" alignItems="center" flexWrap="wrap" mb={1}>
        <Box mr={2}>
          <Chip
            label={STATE_TEXT[watch.state]}
            color={running ? 'primary' : 'default'}
            size="small"
          />
        </Box>
        {running && (
          <Typography variant="body1" aria-live="polite">
            <strong data-testid="watch-remaining">
              {remaining(watch.endsAt, now)}
            </strong>{' '}
            remaining
          </Typography>
        )}
        <Box ml="auto">
          <Typography variant="body2" color="textSecondary">
            Automatic rollback {watch.autoRollback ? 'on' : 'off'}
            {watch.lastEvaluatedAt &&
              ` · evaluated ${relativeTime(watch.lastEvaluatedAt, now)}`}
          </Typography>
        </Box>
      </Box>
      {running && (
        <LinearProgress
          variant="determinate"
          value={elapsed}
          aria-label="watch window elapsed"
        />
      )}
      {watch.state === 'rolled-back' && (
        <Alert severity="error">
          Rolled back to <ColorName color={watch.previous} />
          {/* The backend's result may already say "rolled back to …". */}
          {watch.result
            ? `: ${watch.result.replace(/^rolled back to \w+:\s*/i, '')}`
            : ''}
        </Alert>
      )}
      {watch.state !== 'rolled-back' && watch.result && (
        <Alert severity={watch.state === 'passed' ? 'success' : 'info'}>
          {watch.result}
        </Alert>
      )}
      <Table size="small" aria-label="rollback criteria">
        <TableHead>
          <TableRow>
            <TableCell className={classes.criterion}>
              Rollback criterion
            </TableCell>
            <TableCell>When it trips</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Current value</TableCell>
            <TableCell>Threshold</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {watch.criteria.map(c => (
            <TableRow key={c.id} data-testid={`criterion-${c.id}`}>
              <TableCell className={classes.criterion}>{c.title}</TableCell>
              <TableCell className={classes.nowrap}>
                {c.action === 'rollback' ? 'roll back' : 'investigate'}
              </TableCell>
              <TableCell className={classes.nowrap}>
                <CheckStatusLabel status={c.firing ? 'fail' : c.status}>
                  {c.firing ? 'firing' : c.status}
                </CheckStatusLabel>
              </TableCell>
              <TableCell className={classes.value}>
                {c.observed ?? '—'}
              </TableCell>
              <TableCell className={classes.value}>
                {c.threshold ?? '—'}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
};
