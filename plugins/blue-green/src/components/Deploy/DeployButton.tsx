import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { BlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';
import { availability } from '../Switch/decisions';

/** "Deploy to <idle color>", disabled with its reasons when it may not run. */
export const DeployButton = ({
  status,
  permissions,
  busy,
  onStart,
}: {
  status: EntityStatus;
  permissions: BlueGreenPermissions;
  busy: boolean;
  onStart: () => void;
}) => {
  if (!status.deploy) return null;
  const state = availability('deploy', status.deploy, permissions, busy);
  const target = status.deploy.target;
  return (
    // Beside the next action in the header: the reason on the same line, where it fits.
    <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
      <Button
        variant="outlined"
        color="primary"
        disabled={!state.enabled}
        onClick={onStart}
        aria-describedby={state.reasons.length ? 'deploy-reasons' : undefined}
      >
        {target ? `Deploy to ${target}` : 'Deploy'}
      </Button>
      {state.reasons.length > 0 && (
        <Typography
          id="deploy-reasons"
          variant="caption"
          color="textSecondary"
          component="div"
        >
          {state.needsForce
            ? 'Allowed only with force: '
            : 'Deploy is not possible now: '}
          {state.reasons.join('; ')}
        </Typography>
      )}
    </Box>
  );
};
