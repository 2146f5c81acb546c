import { InfoCard } from '@backstage/core-components';
import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Skeleton from '@material-ui/lab/Skeleton';
import { Fragment, ReactNode } from 'react';
import { ColorName } from '../shared/ColorName';
import { errorMessage, isUnavailable } from '../shared/errors';
import { ToneLabel } from '../shared/StatusLabels';
import { Answer, DetailsTab, versionOf } from './summary';
import { TrafficBar } from './TrafficBar';

const useStyles = makeStyles(theme => ({
  rows: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(3),
    rowGap: theme.spacing(1.5),
    alignItems: 'center',
    margin: 0,
    '& dt': {
      color: theme.palette.text.secondary,
      fontWeight: 600,
      textTransform: 'uppercase',
      fontSize: theme.typography.caption.fontSize,
      letterSpacing: 0.5,
    },
    '& dd': { margin: 0 },
  },
  live: { fontWeight: 700 },
  bar: { maxWidth: 480 },
  details: { marginLeft: theme.spacing(1), whiteSpace: 'nowrap' },
}));

const DETAILS_TEXT: Record<DetailsTab, string> = {
  environments: 'environments',
  checklist: 'checklist',
  watch: 'watch',
  metrics: 'metrics',
  history: 'history',
  diagnostics: 'diagnostics',
};

function LiveAnswer({ status }: { status: EntityStatus }) {
  const classes = useStyles();
  if (status.live === 'split') {
    return (
      <Typography variant="h6" component="span" className={classes.live}>
        split: blue {status.colors.blue.weight} %, green{' '}
        {status.colors.green.weight} %
      </Typography>
    );
  }
  if (status.live === 'none') {
    return (
      <Typography variant="h6" component="span" className={classes.live}>
        no color takes traffic
      </Typography>
    );
  }
  return (
    <Typography variant="h6" component="span" className={classes.live}>
      <ColorName color={status.live} />
      {versionOf(status.colors[status.live])}
    </Typography>
  );
}

const AnswerRow = ({
  answer,
  testId,
  onOpen,
}: {
  answer: Answer;
  testId: string;
  onOpen: (tab: DetailsTab) => void;
}) => {
  const classes = useStyles();
  return (
    <Box
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      data-testid={testId}
    >
      <ToneLabel tone={answer.tone}>{answer.text}</ToneLabel>
      {answer.details && (
        <Link
          component="button"
          variant="body2"
          className={classes.details}
          onClick={() => onOpen(answer.details!)}
        >
          {`see ${DETAILS_TEXT[answer.details]}`}
        </Link>
      )}
    </Box>
  );
};

/**
 * Top of the tab, the four questions of a release: which color is live with what version, whether
 * the idle color is ready (or the one reason it is not), what happened last, and what to do next.
 * Each answer links to the detail tab that explains it.
 */
export const StatusHeader = ({
  status,
  idle,
  last,
  next,
  onOpen,
}: {
  status: EntityStatus;
  idle: Answer;
  last: Answer;
  /** The next action: one button (and the actions that go with it). */
  next: ReactNode;
  onOpen: (tab: DetailsTab) => void;
}) => {
  const classes = useStyles();
  return (
    <InfoCard
      title="Release"
      subheader={`${status.strategy} · cluster ${status.cluster} · namespace ${status.namespace}`}
    >
      <dl className={classes.rows} data-testid="release-summary">
        <dt>Live</dt>
        <dd data-testid="answer-live">
          <LiveAnswer status={status} />
          <div className={classes.bar}>
            <TrafficBar status={status} />
          </div>
        </dd>
        <dt>Idle</dt>
        <dd>
          <AnswerRow answer={idle} testId="answer-idle" onOpen={onOpen} />
        </dd>
        <dt>Last</dt>
        <dd>
          <AnswerRow answer={last} testId="answer-last" onOpen={onOpen} />
        </dd>
        <dt>Next</dt>
        <dd data-testid="answer-next">{next}</dd>
      </dl>
    </InfoCard>
  );
};

/**
 * The header when the status cannot be read (the cluster or the backend does not answer): the
 * same four questions, answered as far as they can be, with Retry as the next action.
 */
export const StatusUnavailable = ({
  error,
  onRetry,
}: {
  error: Error;
  onRetry: () => void;
}) => {
  const classes = useStyles();
  return (
    <InfoCard title="Release" subheader="status not available">
      <dl className={classes.rows} data-testid="release-summary">
        <dt>Live</dt>
        <dd data-testid="answer-live">
          <Typography variant="h6" component="span" className={classes.live}>
            unknown
          </Typography>
        </dd>
        <dt>Idle</dt>
        <dd data-testid="answer-idle">
          <ToneLabel tone="pending">unknown</ToneLabel>
        </dd>
        <dt>Last</dt>
        <dd data-testid="answer-last">
          <span role="alert">
            <ToneLabel tone="error">{`${
              isUnavailable(error)
                ? 'cluster unreachable'
                : 'the status could not be read'
            }: ${errorMessage(error)}`}</ToneLabel>
          </span>
        </dd>
        <dt>Next</dt>
        <dd data-testid="answer-next">
          <Box display="flex" alignItems="center" style={{ gap: 16 }}>
            <Button variant="contained" color="primary" onClick={onRetry}>
              Retry
            </Button>
            <Typography variant="body2" color="textSecondary">
              Nothing can be switched until the status can be read.
            </Typography>
          </Box>
        </dd>
      </dl>
    </InfoCard>
  );
};

/** The header's shape while the status loads, so the page does not jump when it arrives. */
export const StatusHeaderSkeleton = () => {
  const classes = useStyles();
  return (
    <InfoCard title="Release" subheader="loading the status…">
      <dl className={classes.rows} aria-busy="true">
        {['Live', 'Idle', 'Last', 'Next'].map(label => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>
              <Skeleton width={label === 'Live' ? 320 : 240} height={28} />
            </dd>
          </Fragment>
        ))}
      </dl>
    </InfoCard>
  );
};
