import { Progress, WarningPanel } from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import {
  COLORS,
  ColorStatus,
  EntityStatus,
  SwitchRequest,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import { useCallback, useState } from 'react';
import { blueGreenApiRef } from '../../api';
import { useBlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';
import { useBlueGreenStatus } from '../../hooks/useBlueGreenStatus';
import { useChecklist } from '../../hooks/useChecklist';
import { ChecklistCard } from '../Checklist/ChecklistCard';
import { DeployButton } from '../Deploy/DeployButton';
import { DeployDialog } from '../Deploy/DeployDialog';
import { FailedVersionNotice } from '../Deploy/FailedVersionNotice';
import { ColorCard } from '../ColorCard/ColorCard';
import { ScaleDialog } from '../ColorCard/ScaleDialog';
import { DiagnosticsPanel } from '../Diagnostics/DiagnosticsPanel';
import { HistoryCard } from '../History/HistoryCard';
import { MetricsCard } from '../Metrics/MetricsCard';
import { errorMessage, isNotFound } from '../shared/errors';
import { TrafficControls } from '../StatusHeader/TrafficControls';
import { StatusHeader } from '../StatusHeader/StatusHeader';
import {
  ActionAvailability,
  fromLabel,
  SwitchAction,
} from '../Switch/decisions';
import { SwitchControls } from '../Switch/SwitchControls';
import { SwitchDialog } from '../Switch/SwitchDialog';
import {
  runningElsewhere,
  SwitchProgress,
  SwitchRun,
} from '../Switch/SwitchProgress';
import { WatchCard } from '../Watch/WatchCard';

/** The idle color: the one promote would move traffic to. */
function idleColor(status: EntityStatus): ColorStatus | undefined {
  const target = status.promote.target;
  return target ? status.colors[target] : undefined;
}

/**
 * The tab's body for an entity set up for blue/green: traffic and the switch buttons, both colors,
 * the watch, the checklists, metrics, history and diagnostics.
 */
export const BlueGreenTab = ({
  entityRef,
}: {
  entityRef: CompoundEntityRef;
}) => {
  const api = useApi(blueGreenApiRef);
  const permissions = useBlueGreenPermissions();
  const [run, setRun] = useState<SwitchRun>();
  const [dialog, setDialog] = useState<{
    action: SwitchAction;
    state: ActionAvailability;
  }>();
  const [scaling, setScaling] = useState<ColorStatus>();
  const [deploying, setDeploying] = useState(false);
  const { status, error, reload, accept, version } = useBlueGreenStatus(
    entityRef,
    { busy: run?.state === 'running' },
  );
  const pre = useChecklist(entityRef, 'pre', version);
  const hasWatch = Boolean(status?.watch);
  const post = useChecklist(entityRef, 'post', version, hasWatch);

  const startSwitch = useCallback(
    async (action: SwitchAction, request: SwitchRequest) => {
      if (!status) return;
      setDialog(undefined);
      const to = status[action].target!;
      const base: SwitchRun = {
        action,
        from: fromLabel(status),
        to,
        forced: Boolean(request.force),
        steps: request.steps,
        state: 'running',
      };
      setRun(base);
      try {
        const response = await (action === 'promote'
          ? api.promote(entityRef, request)
          : api.rollback(entityRef, request));
        accept(response.status);
        setRun({ ...base, state: 'succeeded', response });
      } catch (e) {
        setRun({ ...base, state: 'failed', error: e as Error });
        reload();
      }
    },
    [api, entityRef, status, accept, reload],
  );

  const signOff = useCallback(
    async (itemId: string, note: string) => {
      await pre.signOff(itemId, note);
      reload(); // the promote decision follows the checklist
    },
    [pre, reload],
  );
  const withdraw = useCallback(
    async (itemId: string) => {
      await pre.withdraw(itemId);
      reload();
    },
    [pre, reload],
  );

  const shownRun = run ?? (status ? runningElsewhere(status) : undefined);

  if (!status) {
    if (error) {
      return (
        <WarningPanel
          defaultExpanded
          severity="error"
          title="Could not load the blue/green status"
          message={errorMessage(error)}
        >
          <Button variant="outlined" onClick={() => reload()}>
            Retry
          </Button>
        </WarningPanel>
      );
    }
    return <Progress aria-label="Loading blue/green status" />;
  }

  const idle = idleColor(status);
  const idleNotReady = Boolean(
    idle && idle.replicas.ready < idle.replicas.desired,
  );
  const checklistMissing = isNotFound(pre.error);

  return (
    <Grid container spacing={3} alignItems="stretch">
      {error && (
        <Grid item xs={12}>
          <WarningPanel
            defaultExpanded
            severity="warning"
            title="Could not refresh the status; showing the last one"
            message={errorMessage(error)}
          />
        </Grid>
      )}
      {status.failedVersion && (
        <Grid item xs={12}>
          <FailedVersionNotice failed={status.failedVersion} />
        </Grid>
      )}
      <Grid item xs={12}>
        <StatusHeader
          status={status}
          actions={
            <>
              <SwitchControls
                status={status}
                permissions={permissions}
                busy={run?.state === 'running' || Boolean(status.inProgress)}
                onStart={(action, state) => setDialog({ action, state })}
              />
              <DeployButton
                status={status}
                permissions={permissions}
                busy={run?.state === 'running' || Boolean(status.inProgress)}
                onStart={() => setDeploying(true)}
              />
              {(status.capabilities.previewRoute ||
                status.capabilities.mirror) && (
                <TrafficControls
                  status={status}
                  allowed={permissions.promote.allowed}
                  onPreviewRoute={async enabled =>
                    accept(await api.setPreviewRoute(entityRef, enabled))
                  }
                  onMirror={async (enabled, percent) =>
                    accept(await api.setMirror(entityRef, { enabled, percent }))
                  }
                />
              )}
            </>
          }
        />
      </Grid>
      {status.problems.length > 0 && (
        <Grid item xs={12}>
          <WarningPanel
            defaultExpanded
            severity="warning"
            title="Problems in the cluster"
            message={status.problems.join('; ')}
          />
        </Grid>
      )}
      {shownRun && (
        <Grid item xs={12}>
          <SwitchProgress
            run={shownRun}
            status={status}
            onDismiss={
              shownRun.state !== 'running' ? () => setRun(undefined) : undefined
            }
          />
        </Grid>
      )}
      {COLORS.map(color => (
        <Grid item xs={12} md={6} key={color}>
          <ColorCard
            color={status.colors[color]}
            actions={
              permissions.scale.allowed && status.colors[color].workload ? (
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() => setScaling(status.colors[color])}
                  aria-label={`Scale ${color}`}
                >
                  Scale…
                </Button>
              ) : undefined
            }
          />
        </Grid>
      ))}
      {status.watch && (
        <Grid item xs={12}>
          <WatchCard watch={status.watch} />
        </Grid>
      )}
      {status.watch && !isNotFound(post.error) && (
        <Grid item xs={12}>
          <ChecklistCard
            title="Post-deploy checklist"
            checklist={post.checklist}
            loading={post.loading}
            error={post.error}
            signOffPermission={permissions.signOff}
            onSignOff={post.signOff}
            onWithdraw={post.withdraw}
          />
        </Grid>
      )}
      <Grid item xs={12}>
        {checklistMissing ? (
          <WarningPanel
            defaultExpanded
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
            onSignOff={signOff}
            onWithdraw={withdraw}
          />
        )}
      </Grid>
      <Grid item xs={12}>
        <MetricsCard
          entity={entityRef}
          watching={status.watch?.state === 'running'}
          version={version}
        />
      </Grid>
      <Grid item xs={12}>
        <HistoryCard entity={entityRef} version={version} />
      </Grid>
      <Grid item xs={12}>
        <DiagnosticsPanel
          entity={entityRef}
          defaultExpanded={idleNotReady}
          version={version}
        />
      </Grid>
      {dialog && status[dialog.action].target && (
        <SwitchDialog
          action={dialog.action}
          status={status}
          state={dialog.state}
          onCancel={() => setDialog(undefined)}
          onConfirm={request => startSwitch(dialog.action, request)}
        />
      )}
      {deploying && status.deploy?.target && (
        <DeployDialog
          status={status}
          decision={status.deploy}
          canForce={permissions.force.allowed}
          onCancel={() => setDeploying(false)}
          onConfirm={async request => {
            accept((await api.deploy(entityRef, request)).status);
            setDeploying(false);
          }}
        />
      )}
      {scaling && (
        <ScaleDialog
          color={scaling}
          onCancel={() => setScaling(undefined)}
          onConfirm={async (replicas, reason) => {
            accept(
              await api.scale(entityRef, {
                color: scaling.color,
                replicas,
                ...(reason && { reason }),
              }),
            );
            setScaling(undefined);
          }}
        />
      )}
    </Grid>
  );
};
