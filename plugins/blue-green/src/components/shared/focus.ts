import { makeStyles } from '@material-ui/core/styles';

/**
 * A visible keyboard focus ring on every control inside the element that takes `ring` (MUI's own
 * is a faint shadow on contained buttons).
 */
export const useFocusRing = makeStyles(theme => ({
  ring: {
    '& .Mui-focusVisible, & a:focus-visible, & button:focus-visible, & [role="tab"]:focus-visible':
      {
        outline: `3px solid ${theme.palette.primary.main}`,
        outlineOffset: 2,
      },
  },
}));
