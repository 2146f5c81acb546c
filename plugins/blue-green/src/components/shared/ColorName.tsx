import { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import { makeStyles } from '@material-ui/core/styles';

/** Line and badge colors of blue and green (readable on light and dark themes). */
export const COLOR_HEX: Record<Color, string> = {
  blue: '#1e88e5',
  green: '#43a047',
};

const useStyles = makeStyles(theme => ({
  dot: {
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: '50%',
    marginRight: theme.spacing(0.75),
    verticalAlign: 'baseline',
  },
}));

/** The color's name with its dot, e.g. "● green". */
export const ColorName = ({ color }: { color: Color | string }) => {
  const classes = useStyles();
  const hex = COLOR_HEX[color as Color];
  return (
    <span>
      {hex && (
        <span
          className={classes.dot}
          style={{ backgroundColor: hex }}
          aria-hidden
        />
      )}
      {color}
    </span>
  );
};
