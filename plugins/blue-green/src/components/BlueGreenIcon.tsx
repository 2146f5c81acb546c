import SwapHorizIcon from '@material-ui/icons/SwapHoriz';

/**
 * The Blue/Green icon, for a sidebar item pointing at the fleet page.
 *
 * @public
 */
export const BlueGreenIcon = () => <SwapHorizIcon />;
