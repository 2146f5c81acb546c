import { ChecklistItem } from '@bluegreen-backstage/plugin-blue-green-common';
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

/** Asks for an optional note, then signs off a manual checklist item. */
export const SignOffDialog = ({
  item,
  onCancel,
  onConfirm,
}: {
  item: ChecklistItem;
  onCancel: () => void;
  onConfirm: (note: string) => Promise<void>;
}) => {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(note.trim());
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={onCancel} aria-labelledby="sign-off-title" fullWidth>
      <DialogTitle id="sign-off-title">Sign off: {item.title}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Your name and the time are recorded with the sign-off. It belongs to
          the version under test and is reset when that version changes.
        </DialogContentText>
        <TextField
          fullWidth
          multiline
          minRows={2}
          id="sign-off-note"
          label="Note"
          placeholder="e.g. smoke test run 1234 passed"
          value={note}
          onChange={e => setNote(e.target.value)}
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
          disabled={busy}
        >
          Sign off
        </Button>
      </DialogActions>
    </Dialog>
  );
};
