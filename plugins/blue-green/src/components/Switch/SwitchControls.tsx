import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { BlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';
import { ActionAvailability, availability, SwitchAction } from './decisions';

const useStyles = makeStyles(theme => ({
  reasons: {
    margin: theme.spacing(0.5, 0, 0, 0),
    paddingLeft: theme.spacing(2.5),
    color: theme.palette.text.secondary,
    fontSize: theme.typography.body2.fontSize,
  },
  group: { marginRight: theme.spacing(3), marginBottom: theme.spacing(1) },
}));

const ActionButton = ({
  action,
  label,
  state,
  primary,
  onClick,
}: {
  action: SwitchAction;
  label: string;
  state: ActionAvailability;
  primary?: boolean;
  onClick: () => void;
}) => {
  const classes = useStyles();
  const reasonsId = `${action}-reasons`;
  return (
    <div className={classes.group}>
      <Button
        variant={primary ? 'contained' : 'outlined'}
        color={primary ? 'primary' : 'secondary'}
        disabled={!state.enabled}
        onClick={onClick}
        aria-describedby={state.reasons.length ? reasonsId : undefined}
      >
        {label}
      </Button>
      {state.reasons.length > 0 && (
        <>
          <Typography variant="body2" color="textSecondary">
            {state.needsForce
              ? 'Allowed only with force:'
              : `${
                  action === 'promote' ? 'Promote' : 'Rollback'
                } is not possible now:`}
          </Typography>
          <ul id={reasonsId} className={classes.reasons}>
            {state.reasons.map(r => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
};

/** The promote and rollback buttons, each disabled with its reasons when it may not run. */
export const SwitchControls = ({
  status,
  permissions,
  busy,
  onStart,
}: {
  status: EntityStatus;
  permissions: BlueGreenPermissions;
  busy: boolean;
  onStart: (action: SwitchAction, state: ActionAvailability) => void;
}) => {
  const promote = availability('promote', status.promote, permissions, busy);
  const rollback = availability('rollback', status.rollback, permissions, busy);
  const promoteTarget = status.promote.target;
  const rollbackTarget = status.rollback.target;
  return (
    <Box display="flex" flexWrap="wrap" alignItems="flex-start">
      <ActionButton
        action="promote"
        primary
        label={promoteTarget ? `Promote ${promoteTarget}` : 'Promote'}
        state={promote}
        onClick={() => onStart('promote', promote)}
      />
      <ActionButton
        action="rollback"
        label={rollbackTarget ? `Roll back to ${rollbackTarget}` : 'Roll back'}
        state={rollback}
        onClick={() => onStart('rollback', rollback)}
      />
    </Box>
  );
};
