import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import {
  CheckStatus,
  FleetRowStatus,
  HistoryEntry,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { ReactNode } from 'react';
import type { Tone as SummaryTone } from '../StatusHeader/summary';

/** Backstage's status icons, by what they mean here. */
const ICONS = {
  ok: StatusOK,
  error: StatusError,
  warning: StatusWarning,
  pending: StatusPending,
  running: StatusRunning,
  aborted: StatusAborted,
};
type Tone = keyof typeof ICONS;

const StatusText = ({
  tone,
  children,
}: {
  tone: Tone;
  children: ReactNode;
}) => {
  const Icon = ICONS[tone];
  return <Icon>{children}</Icon>;
};

const SUMMARY_TONE: Record<SummaryTone, Tone> = {
  ok: 'ok',
  running: 'running',
  pending: 'pending',
  warning: 'warning',
  error: 'error',
};

/** An answer of the tab's header with the icon of its tone. */
export const ToneLabel = ({
  tone,
  children,
}: {
  tone: SummaryTone;
  children: ReactNode;
}) => <StatusText tone={SUMMARY_TONE[tone]}>{children}</StatusText>;

const CHECK_TONE: Record<CheckStatus, Tone> = {
  pass: 'ok',
  fail: 'error',
  warn: 'warning',
  pending: 'pending',
  unknown: 'aborted',
};

/** A check's or criterion's status with the Backstage status icons. */
export const CheckStatusLabel = ({
  status,
  children,
}: {
  status: CheckStatus;
  children?: ReactNode;
}) => (
  <StatusText tone={CHECK_TONE[status] ?? 'aborted'}>
    {children ?? status}
  </StatusText>
);

const OUTCOME: Record<HistoryEntry['outcome'], [Tone, string]> = {
  succeeded: ['ok', 'succeeded'],
  'in-progress': ['running', 'in progress'],
  refused: ['warning', 'refused'],
  interrupted: ['aborted', 'interrupted'],
  failed: ['error', 'failed'],
};

/** A history entry's outcome. */
export const OutcomeLabel = ({
  outcome,
}: {
  outcome: HistoryEntry['outcome'];
}) => {
  const [tone, text] = OUTCOME[outcome] ?? ['error', outcome];
  return <StatusText tone={tone}>{text}</StatusText>;
};

const FLEET_STATUS: Record<FleetRowStatus, [Tone, string]> = {
  failing: ['error', 'failing'],
  'rolled-back': ['error', 'rolled back'],
  unavailable: ['error', 'cluster unreachable'],
  'checks-failing': ['error', 'checks failing'],
  misconfigured: ['warning', 'misconfigured'],
  switching: ['running', 'switching'],
  watching: ['running', 'watching'],
  waiting: ['ok', 'ready to promote'],
  'checks-pending': ['pending', 'checks pending'],
  split: ['warning', 'traffic split'],
  stable: ['ok', 'stable'],
};

/** How each fleet status reads. */
export const FLEET_STATUS_TEXT = Object.fromEntries(
  Object.entries(FLEET_STATUS).map(([status, [, text]]) => [status, text]),
) as Record<FleetRowStatus, string>;

/** A fleet row's status: what the service needs now. */
export const FleetStatusLabel = ({ status }: { status: FleetRowStatus }) => {
  const [tone, text] = FLEET_STATUS[status] ?? ['aborted', status];
  return <StatusText tone={tone}>{text}</StatusText>;
};
