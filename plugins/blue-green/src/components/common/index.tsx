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
  Color,
  HistoryEntry,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';

/** Line and badge colors of the two environments (readable on light and dark themes). */
export const COLOR_HEX: Record<Color, string> = {
  blue: '#1e88e5',
  green: '#43a047',
};

const useStyles = makeStyles(theme => ({
  dot: {
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: '50%',
    marginRight: theme.spacing(0.75),
    verticalAlign: 'baseline',
  },
  chip: { fontWeight: theme.typography.fontWeightBold as number },
}));

/** The color's name with its dot, e.g. "● green". */
export const ColorName = ({ color }: { color: Color | string }) => {
  const classes = useStyles();
  const hex = COLOR_HEX[color as Color];
  return (
    <span>
      {hex && (
        <span
          className={classes.dot}
          style={{ backgroundColor: hex }}
          aria-hidden
        />
      )}
      {color}
    </span>
  );
};

/** "live" / "idle" / "split" badge of an environment. */
export const RoleBadge = ({
  role,
  weight,
}: {
  role: 'live' | 'idle' | 'split';
  weight: number;
}) => {
  const classes = useStyles();
  const label = role === 'split' ? `split · ${weight} %` : role;
  return (
    <Chip
      size="small"
      className={classes.chip}
      color={role === 'idle' ? 'default' : 'primary'}
      variant={role === 'idle' ? 'outlined' : 'default'}
      label={label}
      aria-label={`traffic role: ${label}`}
    />
  );
};

/** A check's or criterion's status with the Backstage status icons. */
export const CheckStatusLabel = ({
  status,
  children,
}: {
  status: CheckStatus;
  children?: ReactNode;
}) => {
  const text = children ?? status;
  switch (status) {
    case 'pass':
      return <StatusOK>{text}</StatusOK>;
    case 'fail':
      return <StatusError>{text}</StatusError>;
    case 'warn':
      return <StatusWarning>{text}</StatusWarning>;
    case 'pending':
      return <StatusPending>{text}</StatusPending>;
    default:
      return <StatusAborted>{text}</StatusAborted>;
  }
};

/** A history entry's outcome. */
export const OutcomeLabel = ({
  outcome,
}: {
  outcome: HistoryEntry['outcome'];
}) => {
  switch (outcome) {
    case 'succeeded':
      return <StatusOK>succeeded</StatusOK>;
    case 'in-progress':
      return <StatusRunning>in progress</StatusRunning>;
    case 'refused':
      return <StatusWarning>refused</StatusWarning>;
    case 'interrupted':
      return <StatusAborted>interrupted</StatusAborted>;
    default:
      return <StatusError>{outcome}</StatusError>;
  }
};

/** "3 min ago", "in 4 min", from an ISO time; `now` for tests and ticking clocks. */
export function relativeTime(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return iso;
  const abs = Math.abs(ms);
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const [size, unit] = units.find(([u]) => abs >= u) ?? units[3];
  const value = Math.round(abs / size);
  if (value === 0) return 'just now';
  return ms < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** "4:05" remaining until `iso`, or "0:00". */
export function remaining(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((new Date(iso).getTime() - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** An actor ref such as `user:default/guest` as people read it. */
export function actorName(actor: string): string {
  const match = /^user:(?:default\/)?(.+)$/.exec(actor);
  return match ? match[1] : actor;
}

/** Time in the viewer's locale, e.g. "14:05:09" today or "3 Mar, 14:05". */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString()
    : date.toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
      });
}

/**
 * The backend's own message for a failed request (the `error.message` of Backstage's error body),
 * with the HTTP status; other errors as they are.
 */
export function errorMessage(error: Error): string {
  const body = (error as { body?: { error?: { message?: string } } }).body;
  const response = (error as { response?: { status?: number } }).response;
  const message = body?.error?.message;
  if (message) {
    return response?.status ? `${message} (HTTP ${response.status})` : message;
  }
  return error.message;
}

/** True for a 404 from the backend: a route this backend does not have (yet). */
export function isNotFound(error?: Error): boolean {
  return (
    (error as { response?: { status?: number } } | undefined)?.response
      ?.status === 404
  );
}
