import {
  COLORS,
  EntityStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { makeStyles } from '@material-ui/core/styles';
import { COLOR_HEX } from '../shared/ColorName';

const useStyles = makeStyles(theme => ({
  bar: {
    display: 'flex',
    height: 22,
    borderRadius: theme.shape.borderRadius,
    overflow: 'hidden',
    backgroundColor: theme.palette.action.disabledBackground,
    marginTop: theme.spacing(0.5),
  },
  share: {
    // COLOR_HEX keeps white text at 4.5:1 or more on both colors.
    color: '#fff',
    fontSize: 12,
    fontWeight: 600,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    transition: 'width 400ms ease',
  },
}));

/** The traffic split between the colors as a bar, e.g. blue 90 % | green 10 %. */
export const TrafficBar = ({ status }: { status: EntityStatus }) => {
  const classes = useStyles();
  const label = COLORS.map(c => `${c} ${status.colors[c].weight} %`).join(', ');
  return (
    <div
      className={classes.bar}
      role="img"
      aria-label={`traffic split: ${label}`}
    >
      {COLORS.filter(c => status.colors[c].weight > 0).map(c => (
        <div
          key={c}
          className={classes.share}
          style={{
            width: `${status.colors[c].weight}%`,
            backgroundColor: COLOR_HEX[c],
          }}
          aria-hidden
        >
          {c} {status.colors[c].weight} %
        </div>
      ))}
    </div>
  );
};
