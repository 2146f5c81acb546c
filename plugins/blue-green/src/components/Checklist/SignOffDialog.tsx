import { ChecklistItem } from '@bluegreen-backstage/plugin-blue-green-common';
import { ConfirmDialog } from '../shared/ConfirmDialog';

/** Asks for an optional note, then signs off a manual checklist item. */
export const SignOffDialog = ({
  item,
  onCancel,
  onConfirm,
}: {
  item: ChecklistItem;
  onCancel: () => void;
  onConfirm: (note: string) => Promise<void>;
}) => (
  <ConfirmDialog
    id="sign-off"
    title={`Sign off: ${item.title}`}
    description="Your name and the time are recorded with the sign-off. It belongs to the version under test and is reset when that version changes."
    reason={{ label: 'Note', placeholder: 'e.g. smoke test run 1234 passed' }}
    confirmLabel="Sign off"
    onCancel={onCancel}
    onConfirm={onConfirm}
  />
);
