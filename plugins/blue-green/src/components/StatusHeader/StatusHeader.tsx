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

/** Strategy-specific facts: the Service selector, the Rollout's phase, the Istio routes. */
function strategyFacts(status: EntityStatus): Record<string, ReactNode> {
  const d = status.details;
  switch (d.strategy) {
    case 'service-selector':
      return {
        service: d.service,
        selector: Object.entries(d.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      };
    case 'argo-rollouts':
      return {
        rollout: d.rollout,
        phase: [
          d.phase ?? 'unknown',
          d.paused ? 'paused' : undefined,
          d.aborted ? 'aborted' : undefined,
        ]
          .filter(Boolean)
          .join(' · '),
        ...(d.message && { message: d.message }),
        'active service': d.activeService,
        ...(d.previewService && { 'preview service': d.previewService }),
      };
    case 'istio':
      return {
        'virtual service': d.virtualService,
        'destination rule': d.destinationRule,
        'header route': d.headerRoute
          ? `${d.headerRoute.header}: ${d.headerRoute.value} → ${d.headerRoute.color}`
          : 'off',
        mirror: d.mirror ? `${d.mirror.percent} % to ${d.mirror.color}` : 'off',
      };
    default:
      return {};
  }
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
