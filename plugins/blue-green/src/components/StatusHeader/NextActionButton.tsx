import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import { BlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';
import { ActionAvailability, availability } from '../Switch/decisions';
import { DetailsTab, NextAction } from './summary';

/** What the tab does when the next action's button is pressed. */
export type NextActionHandlers = {
  onSwitch: (action: 'promote' | 'rollback', state: ActionAvailability) => void;
  onSignOff: (itemIds: string[]) => void;
  onScale: () => void;
  onOpen: (tab: DetailsTab) => void;
};

const Why = ({ id, children }: { id: string; children: ReactNode }) => (
  <Typography id={id} variant="body2" color="textSecondary">
    {children}
  </Typography>
);

/**
 * The header's one next action as a button, disabled with the one reason when it may not run now,
 * and next to it the other switch a user may need (rolling back during a watch) and the deploy of a
 * new version to the idle color.
 */
export const NextActionButton = ({
  next,
  status,
  permissions,
  busy,
  deployAction,
  deployAllowed = true,
  handlers,
}: {
  next: NextAction;
  status: EntityStatus;
  permissions: BlueGreenPermissions;
  busy: boolean;
  /** Deploys a new version to the idle color, where the app offers it. */
  deployAction?: ReactNode;
  /** False when the user may not use `deployAction`: it is then offered only as the next action. */
  deployAllowed?: boolean;
  handlers: NextActionHandlers;
}) => {
  const whyId = 'next-action-why';
  let button: ReactNode;
  let why: string | undefined;
  switch (next.kind) {
    case 'promote':
    case 'rollback': {
      const state = availability(
        next.kind,
        status[next.kind],
        permissions,
        busy,
      );
      if (!state.enabled) why = state.reasons[0];
      else if (state.needsForce) why = `only with force: ${state.reasons[0]}`;
      button = (
        <Button
          variant="contained"
          color="primary"
          disabled={!state.enabled}
          onClick={() => handlers.onSwitch(next.kind, state)}
          aria-describedby={why ? whyId : undefined}
        >
          {`${next.text}…`}
        </Button>
      );
      break;
    }
    case 'sign-off': {
      const { signOff } = permissions;
      why =
        !signOff.loading && !signOff.allowed
          ? 'you may not sign off checks of this entity (blue-green.sign-off); ask its owners'
          : undefined;
      button = (
        <Button
          variant="contained"
          color="primary"
          disabled={signOff.loading || !signOff.allowed}
          onClick={() => handlers.onSignOff(next.items)}
          aria-describedby={why ? whyId : undefined}
        >
          {`${next.text}…`}
        </Button>
      );
      break;
    }
    case 'scale': {
      const { scale } = permissions;
      why =
        !scale.loading && !scale.allowed
          ? 'you may not scale this entity (blue-green.scale); ask its owners'
          : undefined;
      button = (
        <Button
          variant="contained"
          color="primary"
          disabled={scale.loading || !scale.allowed}
          onClick={handlers.onScale}
          aria-describedby={why ? whyId : undefined}
        >
          {`${next.text}…`}
        </Button>
      );
      break;
    }
    case 'deploy':
      button = deployAction ?? <Typography>{next.text}</Typography>;
      if (deployAction) why = next.text;
      break;
    case 'open':
      button = (
        <Button
          variant="outlined"
          color="primary"
          onClick={() => handlers.onOpen(next.details)}
        >
          {next.text}
        </Button>
      );
      break;
    default:
      button = <Typography>{next.text}</Typography>;
  }
  return (
    <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 16 }}>
      {button}
      {why && <Why id={whyId}>{why}</Why>}
      {/* A new version can go to the idle color whatever the next step is; someone who may not
          deploy is not offered that alternative (only a next action says why it is disabled). */}
      {next.kind !== 'deploy' && deployAllowed && deployAction}
    </Box>
  );
};
