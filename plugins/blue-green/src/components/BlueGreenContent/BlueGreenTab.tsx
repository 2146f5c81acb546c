import { WarningPanel } from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import {
  ColorStatus,
  SwitchRequest,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Grid from '@material-ui/core/Grid';
import { ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { blueGreenApiRef } from '../../api';
import { useBlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';
import { useBlueGreenStatus } from '../../hooks/useBlueGreenStatus';
import { useChecklist } from '../../hooks/useChecklist';
import { useLastSwitches } from '../../hooks/useLastSwitch';
import { useNow } from '../../hooks/useNow';
import { SignOffDialog } from '../Checklist/SignOffDialog';
import { ScaleDialog } from '../ColorCard/ScaleDialog';
import { DeployButton } from '../Deploy/DeployButton';
import { DeployDialog } from '../Deploy/DeployDialog';
import { errorMessage } from '../shared/errors';
import { useFocusRing } from '../shared/focus';
import { NextActionButton } from '../StatusHeader/NextActionButton';
import {
  StatusHeader,
  StatusHeaderSkeleton,
  StatusUnavailable,
} from '../StatusHeader/StatusHeader';
import { DetailsTab, summarize, versionOf } from '../StatusHeader/summary';
import {
  ActionAvailability,
  fromLabel,
  SwitchAction,
} from '../Switch/decisions';
import { SwitchDialog } from '../Switch/SwitchDialog';
import {
  runningElsewhere,
  SwitchProgress,
  SwitchRun,
} from '../Switch/SwitchProgress';
import { detailPanels } from './DetailPanels';
import { ReleaseDetails } from './ReleaseDetails';

/** The detail tab that explains the state best, until the user picks one. */
function defaultTab(
  watchState: string | undefined,
  idleDetails: DetailsTab | undefined,
): DetailsTab {
  if (watchState === 'running' || watchState === 'rolled-back') return 'watch';
  if (idleDetails === 'checklist') return 'checklist';
  return 'environments';
}

/**
 * The tab's body for an entity set up for blue/green: a header that answers the four questions of
 * a release (live, idle, last, next), and the details one click away in card tabs.
 */
export const BlueGreenTab = ({
  entityRef,
  deployAction,
}: {
  entityRef: CompoundEntityRef;
  /**
   * Deploys a new version to the idle color, in the header's next action; by default the
   * plugin's own Deploy button and dialog (where the entity's strategy can deploy).
   */
  deployAction?: ReactNode;
}) => {
  const api = useApi(blueGreenApiRef);
  const permissions = useBlueGreenPermissions();
  const { ring } = useFocusRing();
  const [run, setRun] = useState<SwitchRun>();
  const [dialog, setDialog] = useState<{
    action: SwitchAction;
    state: ActionAvailability;
  }>();
  const [scaling, setScaling] = useState<ColorStatus>();
  const [deploying, setDeploying] = useState(false);
  const [signing, setSigning] = useState<{
    phase: 'pre' | 'post';
    ids: string[];
  }>();
  const [tab, setTab] = useState<DetailsTab>();
  const initialTab = useRef<DetailsTab>();
  const { status, error, reload, accept, version } = useBlueGreenStatus(
    entityRef,
    { busy: run?.state === 'running' },
  );
  const pre = useChecklist(entityRef, 'pre', version);
  const hasWatch = Boolean(status?.watch);
  const post = useChecklist(entityRef, 'post', version, hasWatch);
  const { last, switches } = useLastSwitches(entityRef, version);
  const now = useNow(status?.watch?.state === 'running');

  // The watch comes forward when one starts or rolls back; otherwise the tab stays where it is.
  const watchKey =
    status && (status.watch ? `${status.watch.id}:${status.watch.state}` : '');
  const seenWatch = useRef<string>();
  useEffect(() => {
    if (watchKey === undefined) return;
    const seen = seenWatch.current;
    seenWatch.current = watchKey;
    if (seen === undefined || seen === watchKey) return;
    if (/:(running|rolled-back)$/.test(watchKey)) setTab('watch');
  }, [watchKey]);

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

  const openDetails = useCallback((next: DetailsTab) => {
    setTab(next);
    document
      .getElementById('blue-green-details')
      ?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, []);

  if (!status) {
    return (
      <div data-blue-green="tab" className={ring}>
        {error ? (
          <StatusUnavailable error={error} onRetry={() => reload()} />
        ) : (
          <StatusHeaderSkeleton />
        )}
      </div>
    );
  }

  const summary = summarize(status, pre.checklist, last, now);
  // Until the user picks a tab, the one that explains the state best, chosen once.
  const firstTab =
    initialTab.current ??
    (pre.checklist || pre.error
      ? (initialTab.current = defaultTab(
          status.watch?.state,
          summary.idle.details,
        ))
      : defaultTab(status.watch?.state, summary.idle.details));
  const busy = run?.state === 'running' || Boolean(status.inProgress);
  // After an automatic rollback the header tells what happened; a success notice would contradict it.
  const watchFailed =
    status.watch?.state === 'rolled-back' ||
    (status.watch?.state === 'running' &&
      status.watch.criteria.some(c => c.firing || c.status === 'fail'));
  const shownRun =
    run?.state === 'running' || (run && !watchFailed)
      ? run
      : runningElsewhere(status);
  const signingList = signing?.phase === 'post' ? post : pre;
  const signingItems = (signingList.checklist?.items ?? []).filter(
    i => i.kind === 'manual' && !i.signOff,
  );
  const target = status.promote.target;
  const deploy =
    deployAction ??
    (status.deploy && (
      <DeployButton
        status={status}
        permissions={permissions}
        busy={busy}
        onStart={() => setDeploying(true)}
      />
    ));

  return (
    <div data-blue-green="tab" className={ring}>
      <Grid container spacing={2}>
        {error && (
          <Grid item xs={12}>
            <WarningPanel
              severity="warning"
              title="Could not refresh the status; showing the last one"
              message={errorMessage(error)}
            />
          </Grid>
        )}
        <Grid item xs={12}>
          <StatusHeader
            status={status}
            idle={summary.idle}
            last={summary.last}
            onOpen={openDetails}
            next={
              <NextActionButton
                next={summary.next}
                status={status}
                permissions={permissions}
                busy={busy}
                deployAction={deploy}
                deployAllowed={
                  deployAction !== undefined || permissions.deploy.allowed
                }
                handlers={{
                  onSwitch: (action, state) => setDialog({ action, state }),
                  onSignOff: ids => setSigning({ phase: 'pre', ids }),
                  onScale: () => target && setScaling(status.colors[target]),
                  onOpen: openDetails,
                }}
              />
            }
          />
        </Grid>
        {status.problems.length > 0 && (
          <Grid item xs={12}>
            <WarningPanel
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
                shownRun.state !== 'running'
                  ? () => setRun(undefined)
                  : undefined
              }
            />
          </Grid>
        )}
        <Grid item xs={12}>
          <ReleaseDetails
            tab={tab ?? firstTab}
            onChange={setTab}
            panels={detailPanels({
              entityRef,
              status,
              permissions,
              busy,
              pre,
              post,
              switches,
              version,
              onSwitch: (action, state) => setDialog({ action, state }),
              onScale: setScaling,
              onSignOff: (phase, ids) => setSigning({ phase, ids }),
              onWithdraw: async (phase, id) => {
                await (phase === 'pre' ? pre : post).withdraw(id);
                reload();
              },
              onPreviewRoute: async (enabled, reason) =>
                accept(await api.setPreviewRoute(entityRef, enabled, reason)),
              onMirror: async (enabled, percent, reason) =>
                accept(
                  await api.setMirror(entityRef, { enabled, percent, reason }),
                ),
            })}
          />
        </Grid>
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
      {signing && signingList.checklist && (
        <SignOffDialog
          items={signingItems}
          selected={signing.ids}
          subject={`${signingList.checklist.color}${
            signingList.checklist.version
              ? ` ${signingList.checklist.version}`
              : versionOf(status.colors[signingList.checklist.color])
          }`}
          onCancel={() => setSigning(undefined)}
          onConfirm={async (ids, note) => {
            for (const id of ids) await signingList.signOff(id, note);
            setSigning(undefined);
            reload(); // the promote decision follows the checklist
          }}
        />
      )}
    </div>
  );
};
