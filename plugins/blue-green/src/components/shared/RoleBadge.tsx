import { ColorStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  chip: { fontWeight: theme.typography.fontWeightBold as number },
}));

/** "live" / "idle" / "split" badge of a color. */
export const RoleBadge = ({
  role,
  weight,
}: {
  role: ColorStatus['role'];
  weight: number;
}) => {
  const classes = useStyles();
  const label = role === 'split' ? `split · ${weight} %` : role;
  return (
    <Chip
      size="small"
      className={classes.chip}
      color={role === 'idle' ? 'default' : 'primary'}
      variant={role === 'idle' ? 'outlined' : 'default'}
      label={label}
      aria-label={`traffic role: ${label}`}
    />
  );
};
