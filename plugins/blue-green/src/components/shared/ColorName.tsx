import { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import { makeStyles } from '@material-ui/core/styles';

/**
 * Line and badge colors of blue and green, readable on light and dark themes; white text on
 * them has a contrast of at least 4.5:1 (blue 5.8:1, green 5.1:1).
 */
export const COLOR_HEX: Record<Color, string> = {
  blue: '#1565c0',
  green: '#2e7d32',
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
