import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { errorMessage } from '../shared/errors';

/**
 * The idle color's traffic controls, for strategies that have them (see `capabilities`): a header
 * route that reaches the idle color before a switch, and mirroring of live traffic to it.
 */
export const TrafficControls = ({
  status,
  allowed,
  onPreviewRoute,
  onMirror,
}: {
  status: EntityStatus;
  allowed: boolean;
  onPreviewRoute: (enabled: boolean) => Promise<void>;
  onMirror: (enabled: boolean, percent: number) => Promise<void>;
}) => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { previewRoute: canRoute, mirror: canMirror } = status.capabilities;
  if (!canRoute && !canMirror) return null;
  const { previewRoute, mirror } = status.trafficControls ?? {};
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e as Error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box mt={1}>
      {canRoute && (
        <FormControlLabel
          control={
            <Switch
              checked={Boolean(previewRoute)}
              disabled={!allowed || busy}
              onChange={e => run(() => onPreviewRoute(e.target.checked))}
              color="primary"
            />
          }
          label={`Header route to the idle color (${
            previewRoute
              ? `${previewRoute.header}: ${previewRoute.value}`
              : 'x-canary: true'
          })`}
        />
      )}
      {canMirror && (
        <FormControlLabel
          control={
            <Switch
              checked={Boolean(mirror)}
              disabled={!allowed || busy}
              onChange={e => run(() => onMirror(e.target.checked, 100))}
              color="primary"
            />
          }
          label="Mirror live traffic to the idle color"
        />
      )}
      {error && (
        <Typography variant="body2" color="error" role="alert">
          {error}
        </Typography>
      )}
    </Box>
  );
};
