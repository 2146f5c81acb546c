import { InfoCard } from '@backstage/core-components';
import {
  Color,
  EntityStatus,
  SwitchResponse,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Step from '@material-ui/core/Step';
import StepLabel from '@material-ui/core/StepLabel';
import Stepper from '@material-ui/core/Stepper';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { errorMessage } from '../shared/errors';
import { SwitchAction } from './decisions';

/** A switch started from this page, from the click until the backend answered. */
export type SwitchRun = {
  action: SwitchAction;
  from: string;
  to: Color;
  forced: boolean;
  /** Istio shares of the target color, e.g. [10, 50, 100]. */
  steps?: number[];
  state: 'running' | 'succeeded' | 'failed';
  response?: SwitchResponse;
  error?: Error;
};

/** A switch someone else started (or this page before a reload), from the status' inProgress. */
export function runningElsewhere(status: EntityStatus): SwitchRun | undefined {
  const entry = status.inProgress;
  if (!entry || !entry.to) return undefined;
  if (!['promote', 'rollback', 'auto-rollback'].includes(entry.action)) {
    return undefined;
  }
  return {
    action: entry.action === 'promote' ? 'promote' : 'rollback',
    from: entry.from ?? 'the current state',
    to: entry.to,
    forced: entry.forced,
    steps: Array.isArray(entry.details?.steps)
      ? (entry.details!.steps as number[])
      : undefined,
    state: 'running',
  };
}

type StepView = {
  label: string;
  done: boolean;
  active: boolean;
  error?: boolean;
  optional?: string;
};

function watchNote(watch: WatchStatus | undefined, switched: boolean) {
  if (watch?.state === 'running') return 'watching the rollback criteria';
  if (watch) return watch.result ?? watch.state;
  return switched ? 'no watch for this entity' : undefined;
}

const SUBHEADER: Record<SwitchRun['state'], string> = {
  running: 'switching…',
  succeeded: 'done',
  failed: 'failed',
};

/** The steps of a switch, computed from the run and the live status polled while it runs. */
export function switchSteps(run: SwitchRun, status?: EntityStatus): StepView[] {
  const weight = status?.colors[run.to].weight ?? 0;
  const failed = run.state === 'failed';
  const answered = run.state !== 'running';
  const shares = run.steps ?? [100];
  const reached = answered && !failed ? 100 : weight;
  const trafficMoved = reached >= 100;
  const views: StepView[] = [
    {
      label: run.forced ? 'Checks overridden (forced)' : 'Checks passed',
      done: true,
      active: false,
    },
  ];
  let activeFound = false;
  shares.forEach((share, i) => {
    const done = reached >= share;
    const active = !done && !activeFound && !failed;
    if (active) activeFound = true;
    views.push({
      label:
        shares.length === 1
          ? `Switch traffic to ${run.to}`
          : `${run.to} ${share} %`,
      done,
      active,
      error: failed && !done && (i === 0 || reached >= shares[i - 1]),
    });
  });
  const verification = run.response?.verification;
  views.push({
    label: 'Verify',
    done: Boolean(answered && !failed),
    active: !answered && trafficMoved,
    error: failed && trafficMoved,
    optional: verification?.message,
  });
  if (run.action === 'promote') {
    const watch = answered && !failed ? status?.watch : undefined;
    views.push({
      label: 'Post-deploy watch',
      done: watch?.state === 'passed',
      active: watch?.state === 'running',
      error: watch?.state === 'rolled-back',
      optional: watchNote(watch, answered && !failed),
    });
  }
  return views;
}

// The card sits above the details while a watch runs: no padding of its own around the stepper
// (the card has some), so that the tab stays within two screens.
const useStyles = makeStyles({
  stepper: { padding: 0 },
  outcome: { marginTop: 8 },
});

/** A stepper that follows a promote or rollback, then shows how it ended. */
export const SwitchProgress = ({
  run,
  status,
  onDismiss,
}: {
  run: SwitchRun;
  status?: EntityStatus;
  onDismiss?: () => void;
}) => {
  const classes = useStyles();
  const steps = switchSteps(run, status);
  const activeStep = steps.findIndex(s => s.active || (s.error && !s.done));
  const verb = run.action === 'promote' ? 'Promote' : 'Rollback';
  return (
    <InfoCard
      title={`${verb}: ${run.from} → ${run.to}`}
      subheader={SUBHEADER[run.state]}
    >
      <Stepper
        activeStep={activeStep === -1 ? steps.length : activeStep}
        alternativeLabel
        className={classes.stepper}
        aria-label={`${verb} progress`}
      >
        {steps.map(s => (
          <Step key={s.label} completed={s.done}>
            <StepLabel
              error={s.error}
              optional={s.optional ? <small>{s.optional}</small> : undefined}
            >
              {s.label}
            </StepLabel>
          </Step>
        ))}
      </Stepper>
      {run.state === 'failed' && run.error && (
        <Alert
          severity="error"
          role="alert"
          onClose={onDismiss}
          className={classes.outcome}
        >
          {verb} failed: {errorMessage(run.error)}
        </Alert>
      )}
      {run.state === 'succeeded' && run.response && (
        <Alert
          severity={run.response.verification.verified ? 'success' : 'warning'}
          onClose={onDismiss}
          className={classes.outcome}
        >
          {run.response.verification.verified
            ? `${run.to} is live. `
            : `${run.to} was switched but not verified. `}
          {run.response.verification.message}
        </Alert>
      )}
    </InfoCard>
  );
};
