import { InfoCard, StructuredMetadataTable } from '@backstage/core-components';
import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';
import { ColorName } from '../shared/ColorName';
import { TrafficBar } from './TrafficBar';

const useStyles = makeStyles({
  live: { fontWeight: 700 },
});

function describeLive(status: EntityStatus): ReactNode {
  if (status.live === 'split') return 'split between blue and green';
  if (status.live === 'none') return 'no color takes traffic';
  return <ColorName color={status.live} />;
}

/** How the strategy switches traffic (the Service selector, the Rollout's phase, the routes). */
function strategyFacts(status: EntityStatus): Record<string, ReactNode> {
  return Object.fromEntries(status.facts.map(f => [f.label, f.value]));
}

/** Top of the tab: which color is live, the traffic split, and where the service runs. */
export const StatusHeader = ({
  status,
  actions,
}: {
  status: EntityStatus;
  actions?: ReactNode;
}) => {
  const classes = useStyles();
  return (
    <InfoCard title="Traffic" subheader={`strategy: ${status.strategy}`}>
      <Box display="flex" flexWrap="wrap" alignItems="flex-start">
        <Box flex="1 1 320px" minWidth={280} mr={2}>
          <Typography variant="h5" component="p" className={classes.live}>
            Live: {describeLive(status)}
          </Typography>
          <TrafficBar status={status} />
          {actions && <Box mt={2}>{actions}</Box>}
        </Box>
        <Box flex="1 1 320px" minWidth={280}>
          <StructuredMetadataTable
            dense
            metadata={{
              strategy: status.strategy,
              cluster: status.cluster,
              namespace: status.namespace,
              ...strategyFacts(status),
            }}
          />
        </Box>
      </Box>
    </InfoCard>
  );
};
