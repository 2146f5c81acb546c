import {
  InfoCard,
  Link,
  StatusError,
  StatusOK,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import {
  ColorStatus,
  PodSummary,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';
import { COLOR_HEX, ColorName } from '../shared/ColorName';
import { RoleBadge } from '../shared/RoleBadge';
import { isStarting } from '../StatusHeader/summary';
import { ReplicaState } from './ReplicaState';

const useStyles = makeStyles(theme => ({
  card: { height: '100%' },
  stripe: { height: 4, borderRadius: 2, marginBottom: theme.spacing(1) },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0, wordBreak: 'break-all' },
  },
  pods: { marginTop: theme.spacing(2) },
}));

const PodState = ({ pod }: { pod: PodSummary }) => {
  const reason = pod.waitingReason ?? pod.lastTerminationReason;
  if (pod.ready) return <StatusOK>Ready</StatusOK>;
  // Creating the container or pulling its image is a normal step on the way to Ready.
  if (isStarting(pod)) {
    return (
      <StatusRunning>{`starting: ${
        pod.waitingReason ?? pod.phase
      }`}</StatusRunning>
    );
  }
  if (pod.waitingReason || pod.phase === 'Failed') {
    return <StatusError>{reason ?? pod.phase}</StatusError>;
  }
  return <StatusWarning>{reason ?? `${pod.phase}, not ready`}</StatusWarning>;
};

/**
 * One color (the "environment" of blue/green): version, image, replicas, pods, preview address
 * and whether it is live. Blue and green are shown side by side.
 */
export const ColorCard = ({
  color,
  actions,
}: {
  color: ColorStatus;
  actions?: ReactNode;
}) => {
  const classes = useStyles();
  return (
    <div
      role="region"
      aria-label={`${color.color} environment`}
      className={classes.card}
      data-testid={`color-${color.color}`}
    >
      <InfoCard
        title={<ColorName color={color.color} />}
        subheader={color.workload?.name ?? 'no workload'}
        action={
          <Box pt={2} pr={1}>
            <RoleBadge role={color.role} weight={color.weight} />
          </Box>
        }
        className={classes.card}
      >
        <div
          className={classes.stripe}
          style={{ backgroundColor: COLOR_HEX[color.color] }}
        />
        <dl className={classes.facts}>
          <dt>Version</dt>
          <dd>{color.version ?? 'unknown'}</dd>
          <dt>{color.images.length > 1 ? 'Images' : 'Image'}</dt>
          <dd>{color.images.join(', ') || 'none'}</dd>
          <dt>Replicas</dt>
          <dd>
            <ReplicaState color={color} />
          </dd>
          <dt>Traffic</dt>
          <dd>{color.weight} %</dd>
          {color.workload?.revision && (
            <>
              <dt>Revision</dt>
              <dd>{color.workload.revision}</dd>
            </>
          )}
          <dt>Preview</dt>
          <dd>
            {color.preview ? (
              <>
                {color.preview.url ? (
                  <Link to={color.preview.url} target="_blank" rel="noopener">
                    {color.preview.description}
                  </Link>
                ) : (
                  color.preview.description
                )}
              </>
            ) : (
              'none'
            )}
          </dd>
        </dl>
        {color.pods.length > 0 ? (
          <Table
            size="small"
            className={classes.pods}
            aria-label={`${color.color} pods`}
          >
            <TableHead>
              <TableRow>
                <TableCell>Pod</TableCell>
                <TableCell>Status</TableCell>
                <TableCell align="right">Restarts</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {color.pods.map(pod => (
                <TableRow key={pod.name}>
                  <TableCell>{pod.name}</TableCell>
                  <TableCell>
                    <PodState pod={pod} />
                  </TableCell>
                  <TableCell align="right">{pod.restarts}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : (
          <Typography variant="body2" color="textSecondary">
            No pods.
          </Typography>
        )}
        {actions && <Box mt={2}>{actions}</Box>}
      </InfoCard>
    </div>
  );
};
