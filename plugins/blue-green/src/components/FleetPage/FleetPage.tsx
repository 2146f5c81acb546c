import {
  Content,
  ContentHeader,
  Header,
  Page,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import {
  FleetResponse,
  FleetRow,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { useFleet } from '../../hooks/useFleet';
import { errorMessage } from '../shared/errors';
import { formatBytes, formatCpu, formatTime } from '../shared/format';
import { FleetTable } from './FleetTable';
import { idleTotals } from './idleTotals';
import { ScaleDownDialog } from './ScaleDownDialog';

/** Says which clusters could not be read: their services are listed as unavailable. */
const PartialBanner = ({ fleet }: { fleet: FleetResponse }) => {
  const down = fleet.clusters.filter(c => c.status === 'unavailable');
  if (!fleet.partial || down.length === 0) return null;
  return (
    <Box mb={2}>
      <WarningPanel
        severity="warning"
        title={`Partial data: cluster ${down
          .map(c => c.name)
          .join(', ')} could not be read`}
        message={
          <>
            {down.map(c => (
              <Typography key={c.name} variant="body2" component="div">
                {c.name}: {c.error}
              </Typography>
            ))}
            <Typography variant="body2" component="div">
              Their services are listed as unavailable; everything else is
              current.
            </Typography>
          </>
        }
      />
    </Box>
  );
};

const Summary = ({ fleet }: { fleet: FleetResponse }) => {
  const totals = idleTotals(fleet.rows);
  const count = (status: FleetRow['status']) =>
    fleet.rows.filter(r => r.status === status).length;
  return (
    <Typography variant="body1" paragraph aria-label="fleet summary">
      {fleet.rows.length} services · {count('waiting')} waiting for promotion ·{' '}
      {count('failing')} failing · idle colors hold {totals.replicas} replicas
      requesting {formatCpu(totals.cpuCores)} and{' '}
      {formatBytes(totals.memoryBytes)}
    </Typography>
  );
};

/** The fleet page's body: banner, summary, bulk action and the table. */
export const FleetContent = () => {
  const { fleet, error, loading, reload } = useFleet();
  const [selected, setSelected] = useState<FleetRow[]>([]);
  const [dialogOpen, setDialogOpen] = useState(false);

  if (!fleet) {
    return error ? (
      <WarningPanel
        severity="error"
        defaultExpanded
        title="Could not load the fleet"
        message={errorMessage(error)}
      />
    ) : (
      <Progress />
    );
  }

  return (
    <>
      <ContentHeader title="Fleet">
        <Button
          variant="outlined"
          disabled={selected.length === 0}
          onClick={() => setDialogOpen(true)}
        >
          Scale down idle colors
          {selected.length ? ` (${selected.length})` : ''}
        </Button>
        <Box ml={1}>
          <Button
            variant="outlined"
            disabled={loading}
            onClick={() => reload({ refresh: true })}
          >
            Refresh
          </Button>
        </Box>
      </ContentHeader>
      <PartialBanner fleet={fleet} />
      {fleet.warnings.map(w => (
        <Box mb={2} key={w}>
          <WarningPanel severity="info" title={w} />
        </Box>
      ))}
      {error && (
        <Box mb={2}>
          <WarningPanel
            severity="error"
            title="Could not reload the fleet; showing the last answer"
            message={errorMessage(error)}
          />
        </Box>
      )}
      <Summary fleet={fleet} />
      <FleetTable
        rows={fleet.rows}
        loading={loading}
        onSelectionChange={setSelected}
      />
      <Typography variant="caption" color="textSecondary">
        Read at {formatTime(fleet.generatedAt)}; clusters are listed at most
        every few seconds.
      </Typography>
      {dialogOpen && (
        <ScaleDownDialog
          rows={selected}
          onClose={changed => {
            setDialogOpen(false);
            if (changed) {
              setSelected([]);
              reload({ refresh: true });
            }
          }}
        />
      )}
    </>
  );
};

/**
 * The fleet page at `/blue-green`: every blue/green service across clusters, which color is live,
 * what waits for promotion, what is failing, and what idle colors cost.
 *
 * @public
 */
export const FleetPage = () => (
  <Page themeId="tool">
    <Header
      title="Blue/Green"
      subtitle="Every blue/green service across clusters: live color, what waits, what fails, what idle colors cost"
    />
    <Content>
      <FleetContent />
    </Content>
  </Page>
);
