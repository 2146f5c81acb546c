import { ColorStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import TextField from '@material-ui/core/TextField';
import { useState } from 'react';
import { ConfirmDialog } from '../shared/ConfirmDialog';

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
  const value = Number(replicas);
  const valid =
    replicas.trim() !== '' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= 1000;

  return (
    <ConfirmDialog
      id="scale"
      title={`Scale ${color.color}`}
      description={
        <>
          {color.workload?.name} runs {color.replicas.desired} replicas now.
          {color.role !== 'idle' &&
            ' This color takes live traffic: scaling it down drops capacity.'}
        </>
      }
      reason={{ label: 'Reason' }}
      confirmLabel="Scale"
      ready={valid}
      onCancel={onCancel}
      onConfirm={reason => onConfirm(value, reason)}
    >
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
    </ConfirmDialog>
  );
};
