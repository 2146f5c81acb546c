import {
  StructuredMetadataTable,
  WarningPanel,
} from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  COLORS,
  ColorStatus,
  EntityStatus,
  HistoryEntry,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import { BlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';
import { useChecklist } from '../../hooks/useChecklist';
import { ChecklistCard } from '../Checklist/ChecklistCard';
import { ColorCard } from '../ColorCard/ColorCard';
import { DiagnosticsPanel } from '../Diagnostics/DiagnosticsPanel';
import { HistoryCard } from '../History/HistoryCard';
import { MetricsCard } from '../Metrics/MetricsCard';
import { isNotFound } from '../shared/errors';
import { DetailsTab } from '../StatusHeader/summary';
import { TrafficControls } from '../StatusHeader/TrafficControls';
import { ActionAvailability, SwitchAction } from '../Switch/decisions';
import { SwitchControls } from '../Switch/SwitchControls';
import { WatchCard } from '../Watch/WatchCard';

type ChecklistState = ReturnType<typeof useChecklist>;

/** The switch buttons with every reason, the idle color's traffic controls and the strategy facts. */
const TrafficPanel = ({
  status,
  permissions,
  busy,
  onSwitch,
  onPreviewRoute,
  onMirror,
}: {
  status: EntityStatus;
  permissions: BlueGreenPermissions;
  busy: boolean;
  onSwitch: (action: SwitchAction, state: ActionAvailability) => void;
  onPreviewRoute: (enabled: boolean, reason: string) => Promise<void>;
  onMirror: (
    enabled: boolean,
    percent: number,
    reason: string,
  ) => Promise<void>;
}) => {
  const { promote } = permissions;
  const denied =
    !promote.loading && !promote.allowed
      ? 'You may not change this entity’s traffic: it needs the blue-green.promote permission, which its owners have.'
      : undefined;
  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={7}>
        <Typography variant="h6" component="h3" gutterBottom>
          Switch traffic
        </Typography>
        <SwitchControls
          status={status}
          permissions={permissions}
          busy={busy}
          onStart={onSwitch}
        />
        <TrafficControls
          status={status}
          deniedReason={denied}
          onPreviewRoute={onPreviewRoute}
          onMirror={onMirror}
        />
      </Grid>
      <Grid item xs={12} md={5}>
        <StructuredMetadataTable
          dense
          metadata={Object.fromEntries(
            status.facts.map(f => [f.label, f.value]),
          )}
        />
      </Grid>
    </Grid>
  );
};

/** The card tabs' contents, from the tab's state; a panel absent here has no tab. */
export function detailPanels(props: {
  entityRef: CompoundEntityRef;
  status: EntityStatus;
  permissions: BlueGreenPermissions;
  busy: boolean;
  pre: ChecklistState;
  post: ChecklistState;
  switches: HistoryEntry[];
  version: number;
  onSwitch: (action: SwitchAction, state: ActionAvailability) => void;
  onScale: (color: ColorStatus) => void;
  onSignOff: (phase: 'pre' | 'post', ids: string[]) => void;
  onWithdraw: (phase: 'pre' | 'post', id: string) => Promise<void>;
  onPreviewRoute: (enabled: boolean, reason: string) => Promise<void>;
  onMirror: (
    enabled: boolean,
    percent: number,
    reason: string,
  ) => Promise<void>;
}): Partial<Record<DetailsTab, ReactNode>> {
  const { entityRef, status, permissions, pre, post, version } = props;
  const { scale } = permissions;
  const scaleDenied = !scale.loading && !scale.allowed;
  const idle = status.promote.target && status.colors[status.promote.target];
  const environments = (
    <Grid container spacing={2}>
      {COLORS.map(color => (
        <Grid item xs={12} md={6} key={color}>
          <ColorCard
            color={status.colors[color]}
            actions={
              status.colors[color].workload ? (
                <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                  <Button
                    size="small"
                    variant="outlined"
                    disabled={scale.loading || !scale.allowed}
                    onClick={() => props.onScale(status.colors[color])}
                    aria-label={`Scale ${color}`}
                    aria-describedby={
                      scaleDenied ? `scale-denied-${color}` : undefined
                    }
                  >
                    Scale…
                  </Button>
                  {scaleDenied && (
                    <Typography
                      id={`scale-denied-${color}`}
                      variant="body2"
                      color="textSecondary"
                    >
                      You may not scale this entity (blue-green.scale); its
                      owners can.
                    </Typography>
                  )}
                </Box>
              ) : undefined
            }
          />
        </Grid>
      ))}
      <Grid item xs={12}>
        <TrafficPanel
          status={status}
          permissions={permissions}
          busy={props.busy}
          onSwitch={props.onSwitch}
          onPreviewRoute={props.onPreviewRoute}
          onMirror={props.onMirror}
        />
      </Grid>
    </Grid>
  );
  const checklist = (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      {status.watch && post.checklist && !isNotFound(post.error) && (
        <ChecklistCard
          title="Post-deploy checklist"
          checklist={post.checklist}
          loading={post.loading}
          error={post.error}
          signOffPermission={permissions.signOff}
          onSignOff={ids => props.onSignOff('post', ids)}
          onWithdraw={id => props.onWithdraw('post', id)}
        />
      )}
      {isNotFound(pre.error) ? (
        <WarningPanel
          severity="info"
          title="Pre-deploy checklist not available"
          message="This backend does not serve checklists; promote follows readiness only."
        />
      ) : (
        <ChecklistCard
          title={`Pre-deploy checklist${
            pre.checklist ? `: ${pre.checklist.color}` : ''
          }`}
          checklist={pre.checklist}
          loading={pre.loading}
          error={pre.error}
          signOffPermission={permissions.signOff}
          onSignOff={ids => props.onSignOff('pre', ids)}
          onWithdraw={id => props.onWithdraw('pre', id)}
        />
      )}
    </Box>
  );
  return {
    environments,
    checklist,
    ...(status.watch && { watch: <WatchCard watch={status.watch} /> }),
    metrics: (
      <MetricsCard
        entity={entityRef}
        watching={status.watch?.state === 'running'}
        version={version}
        switches={props.switches}
      />
    ),
    history: <HistoryCard entity={entityRef} version={version} />,
    diagnostics: (
      <DiagnosticsPanel
        entity={entityRef}
        defaultExpanded={Boolean(
          idle && idle.replicas.ready < idle.replicas.desired,
        )}
        version={version}
      />
    ),
  };
}
