import { useApi } from '@backstage/core-plugin-api';
import {
  FleetRow,
  FleetScaleDownRequest,
  FleetScaleDownResult,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import LinearProgress from '@material-ui/core/LinearProgress';
import Alert from '@material-ui/lab/Alert';
import { useEffect, useState } from 'react';
import { blueGreenApiRef } from '../../api';
import { ColorName } from '../shared/ColorName';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { errorMessage } from '../shared/errors';
import { formatBytes, formatCpu } from '../shared/format';
import { idleTotals } from './idleTotals';

/** The backend takes this many services per request. */
const BATCH = 200;

const OUTCOME_TEXT: Record<FleetScaleDownResult['outcome'], string> = {
  scaled: 'scaled down',
  skipped: 'skipped',
  denied: 'not allowed',
  refused: 'refused',
  failed: 'failed',
};

const PLANNED_TEXT: Record<FleetScaleDownResult['outcome'], string> = {
  ...OUTCOME_TEXT,
  scaled: 'will be scaled down',
};

/** Sends the request in batches the backend accepts; one result per service, in order. */
async function inBatches(
  send: (request: FleetScaleDownRequest) => Promise<{
    results: FleetScaleDownResult[];
  }>,
  request: FleetScaleDownRequest,
): Promise<FleetScaleDownResult[]> {
  const results: FleetScaleDownResult[] = [];
  for (let i = 0; i < request.entityRefs.length; i += BATCH) {
    const answer = await send({
      ...request,
      entityRefs: request.entityRefs.slice(i, i + BATCH),
    });
    results.push(...answer.results);
  }
  return results;
}

/** One line per service: its idle color and what happens (or would happen) to it. */
const ResultTable = ({
  rows,
  results,
  planned,
}: {
  rows: FleetRow[];
  results: FleetScaleDownResult[];
  planned: boolean;
}) => {
  const nameOf = (ref: string) =>
    rows.find(r => r.entityRef === ref)?.name ?? ref;
  return (
    <Table size="small" aria-label={planned ? 'What will happen' : 'Results'}>
      <TableHead>
        <TableRow>
          <TableCell>Service</TableCell>
          <TableCell>Idle color</TableCell>
          <TableCell>
            {planned ? 'Will it be scaled down?' : 'Result'}
          </TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {results.map(result => {
          const name = nameOf(result.entityRef);
          const row = rows.find(r => r.entityRef === result.entityRef);
          return (
            <TableRow key={result.entityRef}>
              <TableCell>{name}</TableCell>
              <TableCell>
                {row?.idle ? (
                  <>
                    {row.idle.replicas} × <ColorName color={row.idle.color} />
                  </>
                ) : (
                  '—'
                )}
              </TableCell>
              <TableCell data-testid={`scale-down-result-${name}`}>
                {(planned ? PLANNED_TEXT : OUTCOME_TEXT)[result.outcome]}
                {!planned && result.color && (
                  <>
                    {' '}
                    (<ColorName color={result.color} />
                    {result.replicas !== undefined && ` → ${result.replicas}`})
                  </>
                )}
                {result.message && (
                  <Typography
                    variant="body2"
                    color="textSecondary"
                    component="div"
                  >
                    {result.message}
                  </Typography>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
};

/**
 * Scales the selected services' idle colors to 0. Before anything is confirmed it asks the
 * backend (a dry run) what would happen to each — permission and state — and lists it; the
 * confirm button then scales only those that may be scaled. Afterwards it shows what happened to
 * each: the backend checks the permission again and records each in its history.
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
  const [plan, setPlan] = useState<FleetScaleDownResult[]>();
  const [planError, setPlanError] = useState<Error>();
  const [results, setResults] = useState<FleetScaleDownResult[]>();

  useEffect(() => {
    let current = true;
    inBatches(request => api.scaleDownFleet(request), {
      entityRefs: rows.map(r => r.entityRef),
      dryRun: true,
    }).then(
      answer => current && setPlan(answer),
      error => current && setPlanError(error),
    );
    return () => {
      current = false;
    };
  }, [api, rows]);

  const willScale = (plan ?? []).filter(p => p.outcome === 'scaled');
  const totals = idleTotals(
    rows.filter(r => willScale.some(p => p.entityRef === r.entityRef)),
  );

  const scaleDown = async (reason: string) => {
    setResults(
      await inBatches(request => api.scaleDownFleet(request), {
        entityRefs: willScale.map(p => p.entityRef),
        reason: reason || undefined,
      }),
    );
  };

  let planView;
  if (planError) {
    planView = (
      <Alert severity="error" role="alert">
        Could not check what may be scaled down: {errorMessage(planError)}
      </Alert>
    );
  } else if (!plan) {
    planView = (
      <>
        <Typography>Checking what you may scale down…</Typography>
        <LinearProgress aria-label="Checking what you may scale down" />
      </>
    );
  } else {
    planView = <ResultTable rows={rows} results={plan} planned />;
  }

  return (
    <ConfirmDialog
      id="fleet-scale-down"
      title="Scale down idle colors"
      maxWidth="md"
      description={
        <>
          <Typography paragraph>
            {plan
              ? `Scales the idle color of ${willScale.length} of ${
                  rows.length
                } selected service${
                  rows.length === 1 ? '' : 's'
                } to 0 replicas, freeing ${
                  totals.replicas
                } replicas (${formatCpu(totals.cpuCores)}, ${formatBytes(
                  totals.memoryBytes,
                )} requested).`
              : `Scales the idle color of the selected services to 0 replicas.`}{' '}
            The live colors are not touched; a rollback then needs the idle
            color scaled up again.
          </Typography>
          {planView}
        </>
      }
      reason={{ label: 'Reason' }}
      confirmLabel={plan ? `Scale down ${willScale.length}` : 'Scale down'}
      busyLabel="Scaling down…"
      ready={willScale.length > 0}
      outcome={
        results && <ResultTable rows={rows} results={results} planned={false} />
      }
      onCancel={() =>
        onClose(Boolean(results?.some(r => r.outcome === 'scaled')))
      }
      onConfirm={scaleDown}
    />
  );
};
