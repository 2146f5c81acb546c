import {
  EntityStatus,
  SwitchRequest,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import { useState } from 'react';
import { ColorName } from '../shared/ColorName';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { ActionAvailability, fromLabel, SwitchAction } from './decisions';

/** Istio traffic shifts offered in the dialog: the target color's share after each step. */
export const ISTIO_STEP_PLANS: Array<{
  id: string;
  label: string;
  steps: number[];
}> = [
  { id: 'all', label: '100 % at once', steps: [100] },
  { id: '10-50-100', label: '10 % → 50 % → 100 %', steps: [10, 50, 100] },
  {
    id: '25-50-75-100',
    label: '25 % → 50 % → 75 % → 100 %',
    steps: [25, 50, 75, 100],
  },
];

/**
 * Confirmation of a promote or rollback: names from → to, asks for a reason, and offers what the
 * strategy can do (Istio steps, Argo "full") and, when the user may, force.
 */
export const SwitchDialog = ({
  action,
  status,
  state,
  onCancel,
  onConfirm,
}: {
  action: SwitchAction;
  status: EntityStatus;
  state: ActionAvailability;
  onCancel: () => void;
  onConfirm: (request: SwitchRequest) => void | Promise<void>;
}) => {
  const to = status[action].target!;
  const [plan, setPlan] = useState(ISTIO_STEP_PLANS[0].id);
  const [interval, setIntervalText] = useState('10');
  const [full, setFull] = useState(false);
  const [force, setForce] = useState(false);
  const verb = action === 'promote' ? 'Promote' : 'Roll back';
  const stepped = status.capabilities.steppedShift;
  const fullPromote = status.capabilities.fullPromote && action === 'promote';
  const steps = ISTIO_STEP_PLANS.find(p => p.id === plan)!.steps;
  const intervalSeconds = Number(interval);
  const intervalValid =
    steps.length === 1 ||
    (interval.trim() !== '' &&
      Number.isFinite(intervalSeconds) &&
      intervalSeconds >= 0 &&
      intervalSeconds <= 3600);

  return (
    <ConfirmDialog
      id="switch-dialog"
      title={`${verb} ${action === 'promote' ? to : `to ${to}`}?`}
      description={
        <>
          Live traffic moves from <strong>{fromLabel(status)}</strong> →{' '}
          <strong>
            <ColorName color={to} />
          </strong>{' '}
          in {status.namespace} on {status.cluster}. The switch is refused if
          someone else changed the live state since this page loaded.
        </>
      }
      warning={
        state.needsForce && (
          <>
            <div>These checks do not pass:</div>
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {state.reasons.map(r => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </>
        )
      }
      reason={{
        label: 'Reason',
        required: true,
        placeholder:
          action === 'promote'
            ? 'e.g. release 1.4.0, checks signed off'
            : 'e.g. 5xx spike after the switch',
        helperText: 'Recorded in the history and the audit log.',
      }}
      confirmLabel={`${verb}${state.needsForce ? ' (force)' : ''}`}
      ready={intervalValid && (!state.needsForce || force)}
      onCancel={onCancel}
      onConfirm={reason =>
        onConfirm({
          revision: status.revision,
          reason,
          ...(state.needsForce && { force: true }),
          ...(stepped &&
            steps.length > 1 && {
              steps,
              stepIntervalSeconds: intervalSeconds,
            }),
          ...(fullPromote && full && { full: true }),
        })
      }
    >
      {state.needsForce && (
        <FormControlLabel
          control={
            <Checkbox
              checked={force}
              onChange={e => setForce(e.target.checked)}
            />
          }
          label="Force: switch anyway (recorded as forced)"
        />
      )}
      {stepped && (
        <Box mb={2}>
          <FormControl component="fieldset">
            <FormLabel component="legend">Traffic shift</FormLabel>
            <RadioGroup
              aria-label="Traffic shift"
              value={plan}
              onChange={e => setPlan(e.target.value)}
            >
              {ISTIO_STEP_PLANS.map(p => (
                <FormControlLabel
                  key={p.id}
                  value={p.id}
                  control={<Radio />}
                  label={p.label}
                />
              ))}
            </RadioGroup>
          </FormControl>
          {steps.length > 1 && (
            <TextField
              id="switch-step-interval"
              label="Pause between steps (seconds)"
              type="number"
              value={interval}
              onChange={e => setIntervalText(e.target.value)}
              error={!intervalValid}
              helperText={!intervalValid ? 'between 0 and 3600' : undefined}
              inputProps={{ min: 0, max: 3600 }}
              fullWidth
            />
          )}
        </Box>
      )}
      {fullPromote && (
        <FormControlLabel
          control={
            <Checkbox
              checked={full}
              onChange={e => setFull(e.target.checked)}
            />
          }
          label="Full promote: skip remaining pauses and analysis (promote --full)"
        />
      )}
    </ConfirmDialog>
  );
};
