import { ColorStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { useState } from 'react';
import { errorMessage } from '../common';

/** Sets the replica count of one color (e.g. scale the idle color down to save money). */
export const ScaleDialog = ({
  color,
  onCancel,
  onConfirm,
}: {
  color: ColorStatus;
  onCancel: () => void;
  onConfirm: (replicas: number, reason: string) => Promise<void>;
}) => {
  const [replicas, setReplicas] = useState(String(color.replicas.desired));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const value = Number(replicas);
  const valid =
    replicas.trim() !== '' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= 1000;

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(value, reason.trim());
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={onCancel} aria-labelledby="scale-title" fullWidth>
      <DialogTitle id="scale-title">Scale {color.color}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {color.workload?.name} runs {color.replicas.desired} replicas now.
          {color.role !== 'idle' &&
            ' This color takes live traffic: scaling it down drops capacity.'}
        </DialogContentText>
        <TextField
          id="scale-replicas"
          label="Replicas"
          type="number"
          value={replicas}
          onChange={e => setReplicas(e.target.value)}
          error={!valid}
          helperText={!valid ? 'a whole number from 0 to 1000' : undefined}
          inputProps={{ min: 0, max: 1000 }}
          fullWidth
        />
        <TextField
          id="scale-reason"
          label="Reason"
          value={reason}
          onChange={e => setReason(e.target.value)}
          fullWidth
          inputProps={{ maxLength: 1000 }}
        />
        {error && (
          <Alert severity="error" role="alert" style={{ marginTop: 16 }}>
            {errorMessage(error)}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          onClick={submit}
          disabled={busy || !valid}
        >
          Scale
        </Button>
      </DialogActions>
    </Dialog>
  );
};
