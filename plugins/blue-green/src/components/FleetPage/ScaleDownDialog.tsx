import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  FleetRow,
  FleetScaleDownResult,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { blueGreenApiRef } from '../../api';
import { ColorName } from '../shared/ColorName';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { formatBytes, formatCpu } from '../shared/format';
import { idleTotals } from './idleTotals';

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
 * Confirms scaling the selected services' idle colors to 0, then shows what happened to each: the
 * backend checks the scale permission per entity and records each in its history.
 */
export const ScaleDownDialog = ({
  rows,
  onClose,
}: {
  rows: FleetRow[];
  /** `changed`: at least one service was scaled down. */
  onClose: (changed: boolean) => void;
}) => {
  const api = useApi(blueGreenApiRef);
  const [results, setResults] = useState<ResultRow[]>();
  const totals = idleTotals(rows);

  const scaleDown = async (reason: string) => {
    const response = await api.scaleDownFleet({
      entityRefs: rows.map(r => r.entityRef),
      reason: reason || undefined,
    });
    setResults(
      response.results.map(result => ({
        ...result,
        name:
          rows.find(r => r.entityRef === result.entityRef)?.name ??
          result.entityRef,
      })),
    );
  };

  return (
    <ConfirmDialog
      id="fleet-scale-down"
      title="Scale down idle colors"
      maxWidth="md"
      description={
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
        </>
      }
      reason={{ label: 'Reason' }}
      confirmLabel="Scale down"
      busyLabel="Scaling down…"
      ready={rows.length > 0}
      outcome={
        results && (
          <Table<ResultRow>
            title="Results"
            options={{ paging: false, search: false, padding: 'dense' }}
            columns={resultColumns}
            data={results}
          />
        )
      }
      onCancel={() =>
        onClose(Boolean(results?.some(r => r.outcome === 'scaled')))
      }
      onConfirm={scaleDown}
    />
  );
};
