import {
  InfoCard,
  MissingAnnotationEmptyState,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useRouteRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  BLUE_GREEN_ANNOTATIONS,
  COLORS,
  EntityStatus,
  isBlueGreenEntity,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { useMemo } from 'react';
import { useBlueGreenStatus } from '../../hooks/useBlueGreenStatus';
import { rootRouteRef } from '../../routes';
import { ReplicaState } from '../ColorCard/ReplicaState';
import { ColorName } from '../shared/ColorName';
import { errorMessage } from '../shared/errors';
import { RoleBadge } from '../shared/RoleBadge';
import { TrafficBar } from '../StatusHeader/TrafficBar';

/** Link to the Blue/Green tab when the app mounted it (not every app does). */
function useTabLink(): string | undefined {
  let link: (() => string) | undefined;
  try {
    // eslint-disable-next-line react-hooks/rules-of-hooks
    link = useRouteRef(rootRouteRef);
  } catch {
    link = undefined;
  }
  try {
    return link?.();
  } catch {
    return undefined;
  }
}

/** One line on what happens now, or what is possible. */
function summary(status: EntityStatus): string {
  if (status.inProgress) return `${status.inProgress.action} in progress`;
  if (status.watch?.state === 'running') {
    return `post-deploy watch running after the promote to ${status.watch.promotedTo}`;
  }
  if (status.promote.allowed)
    return `ready to promote ${status.promote.target}`;
  return `promote not possible: ${status.promote.reasons[0] ?? 'unknown'}`;
}

const CardBody = () => {
  const { entity } = useEntity();
  const entityRef = useMemo(() => getCompoundEntityRef(entity), [entity]);
  const { status, error } = useBlueGreenStatus(entityRef);
  if (!status) {
    return error ? (
      <WarningPanel
        defaultExpanded
        severity="error"
        title="Could not load the blue/green status"
        message={errorMessage(error)}
      />
    ) : (
      <Progress />
    );
  }
  return (
    <>
      <Typography variant="h6" component="p">
        Live:{' '}
        {status.live === 'blue' || status.live === 'green' ? (
          <ColorName color={status.live} />
        ) : (
          status.live
        )}
      </Typography>
      <TrafficBar status={status} />
      {COLORS.map(c => {
        const color = status.colors[c];
        return (
          <Box
            key={c}
            display="flex"
            alignItems="center"
            justifyContent="space-between"
            mt={1}
          >
            <Box minWidth={80}>
              <ColorName color={c} />
            </Box>
            <Box flex={1} px={1}>
              <Typography variant="body2">
                {color.version ?? 'unknown'}
              </Typography>
            </Box>
            <Box px={1}>
              <ReplicaState color={color} />
            </Box>
            <RoleBadge role={color.role} weight={color.weight} />
          </Box>
        );
      })}
      <Box mt={2}>
        <Typography variant="body2" color="textSecondary">
          {summary(status)}
        </Typography>
      </Box>
    </>
  );
};

/**
 * A compact Blue/Green card for the entity overview: live color, traffic split, both colors'
 * versions and readiness, and whether a promote is possible.
 *
 * @public
 */
export const EntityBlueGreenCard = () => {
  const { entity } = useEntity();
  const tabLink = useTabLink();
  if (!isBlueGreenEntity(entity)) {
    return (
      <MissingAnnotationEmptyState
        annotation={BLUE_GREEN_ANNOTATIONS.strategy}
      />
    );
  }
  return (
    <div data-blue-green="card">
      <InfoCard
        title="Blue/Green"
        deepLink={
          tabLink
            ? { title: 'Open the Blue/Green tab', link: tabLink }
            : undefined
        }
      >
        <CardBody />
      </InfoCard>
    </div>
  );
};
