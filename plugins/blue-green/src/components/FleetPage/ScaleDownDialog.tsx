import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  FleetRow,
  FleetScaleDownResult,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useState } from 'react';
import { blueGreenApiRef } from '../../api';
import { ColorName, errorMessage } from '../common';
import { formatBytes, formatCpu, idleTotals } from './format';

const OUTCOME_TEXT: Record<FleetScaleDownResult['outcome'], string> = {
  scaled: 'scaled down',
  skipped: 'skipped',
  denied: 'not allowed',
  refused: 'refused',
  failed: 'failed',
};

type ResultRow = FleetScaleDownResult & { name: string };

const resultColumns: TableColumn<ResultRow>[] = [
  { title: 'Service', field: 'name' },
  {
    title: 'Result',
    render: r => (
      <span data-testid={`scale-down-result-${r.name}`}>
        {OUTCOME_TEXT[r.outcome]}
        {r.color && (
          <>
            {' '}
            (<ColorName color={r.color} />
            {r.replicas !== undefined && ` → ${r.replicas}`})
          </>
        )}
      </span>
    ),
  },
  { title: 'Why', render: r => r.message ?? '' },
];

/**
 * Confirms scaling the selected services' idle colors to 0 (seed 000 §3), then shows what happened
 * to each: the backend checks the scale permission per entity and records each in its history.
 */
export const ScaleDownDialog = (props: {
  rows: FleetRow[];
  open: boolean;
  onClose: (changed: boolean) => void;
}) => {
  const { rows, open, onClose } = props;
  const api = useApi(blueGreenApiRef);
  const [reason, setReason] = useState('');
  const [running, setRunning] = useState(false);
  const [results, setResults] = useState<ResultRow[]>();
  const [error, setError] = useState<Error>();
  const totals = idleTotals(rows);

  const close = () => {
    const changed = Boolean(results?.some(r => r.outcome === 'scaled'));
    setResults(undefined);
    setError(undefined);
    setReason('');
    onClose(changed);
  };

  const run = async () => {
    setRunning(true);
    setError(undefined);
    try {
      const response = await api.scaleDownFleet({
        entityRefs: rows.map(r => r.entityRef),
        reason: reason.trim() || undefined,
      });
      setResults(
        response.results.map(result => ({
          ...result,
          name:
            rows.find(r => r.entityRef === result.entityRef)?.name ??
            result.entityRef,
        })),
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <Dialog open={open} onClose={close} maxWidth="md" fullWidth>
      <DialogTitle>Scale down idle colors</DialogTitle>
      <DialogContent>
        {!results && (
          <>
            <Typography paragraph>
              Scales the idle color of {rows.length} service
              {rows.length === 1 ? '' : 's'} to 0 replicas, freeing{' '}
              {totals.replicas} replicas ({formatCpu(totals.cpuCores)},{' '}
              {formatBytes(totals.memoryBytes)} requested). The live colors are
              not touched; a rollback then needs the idle color scaled up again.
            </Typography>
            <ul>
              {rows.map(r => (
                <li key={r.key}>
                  {r.name}: {r.idle?.replicas} ×{' '}
                  <ColorName color={r.idle?.color ?? 'idle'} />
                </li>
              ))}
            </ul>
            <TextField
              id="fleet-scale-down-reason"
              label="Reason"
              value={reason}
              onChange={e => setReason(e.target.value)}
              fullWidth
              inputProps={{ maxLength: 1000 }}
            />
          </>
        )}
        {error && <Alert severity="error">{errorMessage(error)}</Alert>}
        {results && (
          <Table<ResultRow>
            title="Results"
            options={{ paging: false, search: false, padding: 'dense' }}
            columns={resultColumns}
            data={results}
          />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>{results ? 'Close' : 'Cancel'}</Button>
        {!results && (
          <Button
            color="primary"
            variant="contained"
            disabled={running || rows.length === 0}
            onClick={run}
          >
            {running ? 'Scaling down…' : 'Scale down'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
};
