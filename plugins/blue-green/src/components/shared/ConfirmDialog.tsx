import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { ReactNode, useRef, useState } from 'react';
import { errorMessage } from './errors';
import { useFocusRing } from './focus';

/** The reason (or note) recorded with the action in the history and the audit log. */
export type ReasonField = {
  /** "Reason", "Note". */
  label: string;
  required?: boolean;
  placeholder?: string;
  helperText?: string;
};

/**
 * Asks before an action that changes the cluster or the checklist: says what will happen, takes
 * the reason recorded with it (the first field, focused when the dialog opens) and any fields of
 * the action, then runs it. A failure is shown in the dialog, which stays open to try again.
 */
export const ConfirmDialog = ({
  id,
  title,
  description,
  warning,
  reason: reasonField,
  children,
  confirmLabel,
  busyLabel,
  ready = true,
  maxWidth = 'sm',
  outcome,
  onCancel,
  onConfirm,
}: {
  /** Prefix of the element ids (`<id>-title`, `<id>-reason`). */
  id: string;
  title: ReactNode;
  /** What the action will do, above the fields. */
  description?: ReactNode;
  /** What speaks against it (e.g. failing checks), below the description. */
  warning?: ReactNode;
  reason: ReasonField;
  /** The action's own fields, below the reason. */
  children?: ReactNode;
  confirmLabel: string;
  /** The confirm button's text while the action runs. */
  busyLabel?: string;
  /** False while the action's own fields are not valid. */
  ready?: boolean;
  maxWidth?: 'sm' | 'md';
  /** What the action did, when the caller shows it here: replaces the fields, with a Close button. */
  outcome?: ReactNode;
  /** Cancel, or Close once the outcome is shown. */
  onCancel: () => void;
  /** Runs the action with the trimmed reason; the caller closes the dialog when it is done. */
  onConfirm: (reason: string) => void | Promise<void>;
}) => {
  const [reason, setReason] = useState('');
  const field = useRef<HTMLTextAreaElement | HTMLInputElement>(null);
  const { ring } = useFocusRing();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const canConfirm =
    ready && !busy && (!reasonField.required || reason.trim() !== '');

  const confirm = async () => {
    if (!canConfirm) return;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(reason.trim());
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onCancel}
      aria-labelledby={`${id}-title`}
      fullWidth
      maxWidth={maxWidth}
      classes={{ paper: ring }}
      // MUI's focus trap takes the focus to the dialog itself once it has entered; hand it to the
      // first field then, as the ARIA dialog pattern asks (unless the user is already in a field).
      TransitionProps={{
        onEntered: () => {
          const active = document.activeElement;
          if (
            !(active instanceof HTMLInputElement) &&
            !(active instanceof HTMLTextAreaElement)
          ) {
            field.current?.focus();
          }
        },
      }}
      data-blue-green="dialog"
    >
      <DialogTitle id={`${id}-title`}>{title}</DialogTitle>
      <DialogContent>
        {outcome ?? (
          <>
            {description && (
              <DialogContentText component="div">
                {description}
              </DialogContentText>
            )}
            {warning && (
              <Box mb={2}>
                <Alert severity="warning">{warning}</Alert>
              </Box>
            )}
            <TextField
              id={`${id}-reason`}
              inputRef={field}
              // A dialog takes the focus anyway; the ARIA dialog pattern puts it on the first field.
              // eslint-disable-next-line jsx-a11y/no-autofocus
              autoFocus
              fullWidth
              multiline
              minRows={2}
              label={reasonField.label}
              required={reasonField.required}
              placeholder={reasonField.placeholder}
              helperText={reasonField.helperText}
              value={reason}
              onChange={e => setReason(e.target.value)}
              inputProps={{ maxLength: 1000 }}
            />
            {children && <Box mt={2}>{children}</Box>}
            {error && (
              <Box mt={2}>
                <Alert severity="error" role="alert">
                  {errorMessage(error)}
                </Alert>
              </Box>
            )}
          </>
        )}
      </DialogContent>
      <DialogActions>
        {outcome ? (
          <Button onClick={onCancel}>Close</Button>
        ) : (
          <>
            <Button onClick={onCancel} disabled={busy}>
              Cancel
            </Button>
            <Button
              color="primary"
              variant="contained"
              onClick={confirm}
              disabled={!canConfirm}
            >
              {busy && busyLabel ? busyLabel : confirmLabel}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
};
