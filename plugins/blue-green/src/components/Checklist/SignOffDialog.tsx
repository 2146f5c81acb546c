import { ChecklistItem } from '@bluegreen-backstage/plugin-blue-green-common';
import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormLabel from '@material-ui/core/FormLabel';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { ConfirmDialog } from '../shared/ConfirmDialog';

/**
 * Signs off several manual checklist items at once, with one note: each item with what signing it
 * means, ticked when the user came from it (or all, from the header).
 */
export const SignOffDialog = ({
  items,
  selected: initial,
  subject,
  onCancel,
  onConfirm,
}: {
  /** The manual items not signed off yet. */
  items: ChecklistItem[];
  /** Ids ticked when the dialog opens. */
  selected: string[];
  /** The color and version the sign-offs belong to, e.g. "green v1.1.0". */
  subject: string;
  onCancel: () => void;
  /** Signs off each id with the note; rejects on the first failure (the rest stay ticked). */
  onConfirm: (ids: string[], note: string) => Promise<void>;
}) => {
  const [selected, setSelected] = useState(new Set(initial));
  const toggle = (id: string) =>
    setSelected(s => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const ids = items.map(i => i.id).filter(id => selected.has(id));
  return (
    <ConfirmDialog
      id="sign-off"
      title={`Sign off ${subject}`}
      description={
        <>
          A sign-off says that you checked the item yourself for{' '}
          <strong>{subject}</strong>. Your name, the time and the note are
          recorded in the history. Sign-offs belong to this version: they are
          reset when it changes.
        </>
      }
      reason={{
        label: 'Note',
        placeholder: 'e.g. smoke test run 1234 passed',
        helperText: 'Recorded with every item you sign off here.',
      }}
      confirmLabel={
        ids.length > 1 ? `Sign off ${ids.length} items` : 'Sign off'
      }
      busyLabel="Signing off…"
      ready={ids.length > 0}
      onCancel={onCancel}
      onConfirm={note => onConfirm(ids, note)}
    >
      <FormControl component="fieldset">
        <FormLabel component="legend">Items to sign off</FormLabel>
        <FormGroup>
          {items.map(item => (
            <FormControlLabel
              key={item.id}
              control={
                <Checkbox
                  checked={selected.has(item.id)}
                  onChange={() => toggle(item.id)}
                  color="primary"
                />
              }
              label={
                <>
                  <Typography variant="body1">{item.title}</Typography>
                  {item.message && (
                    <Typography variant="body2" color="textSecondary">
                      {item.message}
                    </Typography>
                  )}
                </>
              }
            />
          ))}
        </FormGroup>
      </FormControl>
    </ConfirmDialog>
  );
};
