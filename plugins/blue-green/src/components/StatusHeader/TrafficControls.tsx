import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { ConfirmDialog } from '../shared/ConfirmDialog';

type Change =
  | { control: 'previewRoute'; enabled: boolean }
  | { control: 'mirror'; enabled: boolean };

/** What a change does to live traffic, in the confirm dialog. */
function describe(change: Change, idle: string, header: string): string {
  if (change.control === 'previewRoute') {
    return change.enabled
      ? `Requests with the header ${header} will go to ${idle}, the idle color, instead of the live one.`
      : `Requests with the header ${header} will go to the live color again.`;
  }
  return change.enabled
    ? `A share of live requests will be copied to ${idle}. Users get the live color's answers; ${idle} gets the extra load.`
    : `Live requests will no longer be copied to ${idle}.`;
}

/**
 * The idle color's traffic controls, for strategies that have them (see `capabilities`): a header
 * route that reaches the idle color before a switch, and mirroring of live traffic to it. Each
 * change moves traffic, so it asks for a reason and a confirmation first.
 */
export const TrafficControls = ({
  status,
  deniedReason,
  onPreviewRoute,
  onMirror,
}: {
  status: EntityStatus;
  /** Why the user may not use the controls; they are disabled with this text. */
  deniedReason?: string;
  onPreviewRoute: (enabled: boolean, reason: string) => Promise<void>;
  onMirror: (
    enabled: boolean,
    percent: number,
    reason: string,
  ) => Promise<void>;
}) => {
  const [change, setChange] = useState<Change>();
  const [percent, setPercent] = useState('10');
  const { previewRoute: canRoute, mirror: canMirror } = status.capabilities;
  if (!canRoute && !canMirror) return null;
  const { previewRoute, mirror } = status.trafficControls ?? {};
  const idle = status.promote.target ?? 'the idle color';
  const header = previewRoute
    ? `${previewRoute.header}: ${previewRoute.value}`
    : 'x-canary: true';
  const share = Number(percent);
  const shareValid = Number.isInteger(share) && share >= 1 && share <= 100;
  const deniedId = 'traffic-controls-denied';

  return (
    <Box>
      {canRoute && (
        <FormControlLabel
          control={
            <Switch
              checked={Boolean(previewRoute)}
              disabled={Boolean(deniedReason)}
              onChange={e =>
                setChange({
                  control: 'previewRoute',
                  enabled: e.target.checked,
                })
              }
              color="primary"
              inputProps={{
                'aria-describedby': deniedReason ? deniedId : undefined,
              }}
            />
          }
          label={`Header route to the idle color (${header})`}
        />
      )}
      {canMirror && (
        <FormControlLabel
          control={
            <Switch
              checked={Boolean(mirror)}
              disabled={Boolean(deniedReason)}
              onChange={e =>
                setChange({ control: 'mirror', enabled: e.target.checked })
              }
              color="primary"
              inputProps={{
                'aria-describedby': deniedReason ? deniedId : undefined,
              }}
            />
          }
          label={`Mirror live traffic to the idle color${
            mirror ? ` (${mirror.percent} %)` : ''
          }`}
        />
      )}
      {deniedReason && (
        <Typography variant="body2" color="textSecondary" id={deniedId}>
          {deniedReason}
        </Typography>
      )}
      {change && (
        <ConfirmDialog
          id="traffic-control"
          title={
            change.control === 'previewRoute'
              ? `${change.enabled ? 'Add' : 'Remove'} the header route?`
              : `${change.enabled ? 'Start' : 'Stop'} mirroring?`
          }
          description={describe(change, idle, header)}
          reason={{
            label: 'Reason',
            required: true,
            helperText: 'Recorded in the history with your name.',
          }}
          ready={!(change.control === 'mirror' && change.enabled) || shareValid}
          confirmLabel={change.enabled ? 'Turn on' : 'Turn off'}
          busyLabel="Applying…"
          onCancel={() => setChange(undefined)}
          onConfirm={async reason => {
            if (change.control === 'previewRoute') {
              await onPreviewRoute(change.enabled, reason);
            } else {
              await onMirror(change.enabled, shareValid ? share : 100, reason);
            }
            setChange(undefined);
          }}
        >
          {change.control === 'mirror' && change.enabled && (
            <TextField
              id="traffic-control-percent"
              label="Share of live requests to copy (%)"
              type="number"
              value={percent}
              onChange={e => setPercent(e.target.value)}
              inputProps={{ min: 1, max: 100, step: 1 }}
              error={!shareValid}
              helperText={
                shareValid ? undefined : 'A whole number from 1 to 100.'
              }
            />
          )}
        </ConfirmDialog>
      )}
    </Box>
  );
};
