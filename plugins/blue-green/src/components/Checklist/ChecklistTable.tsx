import {
  CheckCategory,
  ChecklistItem,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { useState } from 'react';
import { PermissionState } from '../../hooks/useBlueGreenPermissions';
import { ActorName } from '../shared/ActorName';
import { formatTime, relativeTime } from '../shared/format';
import { CheckStatusLabel } from '../shared/StatusLabels';

const CATEGORY_TITLES: Record<CheckCategory, string> = {
  infrastructure: 'Infrastructure',
  application: 'Application',
  database: 'Database',
  monitoring: 'Monitoring',
  networking: 'Networking',
  analysis: 'Analysis',
  slo: 'SLO',
  traffic: 'Traffic',
};

const useStyles = makeStyles(theme => ({
  category: {
    backgroundColor: theme.palette.background.default,
    fontWeight: 600,
  },
  evidence: {
    fontSize: 12,
    color: theme.palette.text.secondary,
    '& pre': {
      fontFamily: 'monospace',
      whiteSpace: 'pre-wrap',
      wordBreak: 'break-all',
      margin: theme.spacing(0.5, 0, 0, 0),
    },
  },
  nowrap: { whiteSpace: 'nowrap' },
  required: { marginLeft: theme.spacing(1) },
}));

/** Categories in the order of the checklist, then any the backend adds. */
function groupByCategory(items: ChecklistItem[]) {
  const order = Object.keys(CATEGORY_TITLES);
  const groups = new Map<string, ChecklistItem[]>();
  for (const item of items) {
    groups.set(item.category, [...(groups.get(item.category) ?? []), item]);
  }
  return [...groups.entries()].sort(
    ([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99),
  );
}

function evidenceText(item: ChecklistItem): string | undefined {
  if (!item.evidence) return undefined;
  return item.evidence.type === 'promql'
    ? item.evidence.query
    : item.evidence.detail;
}

const ManualAction = ({
  item,
  permission,
  busy,
  onSignOff,
  onWithdraw,
}: {
  item: ChecklistItem;
  permission: PermissionState;
  busy: boolean;
  onSignOff: () => void;
  onWithdraw: () => void;
}) => {
  const classes = useStyles();
  const denied = !permission.loading && !permission.allowed;
  const button = item.signOff ? (
    <Button
      size="small"
      className={classes.nowrap}
      onClick={onWithdraw}
      disabled={busy || denied || permission.loading}
      aria-label={`Withdraw sign-off of ${item.title}`}
    >
      Withdraw
    </Button>
  ) : (
    <Button
      size="small"
      variant="outlined"
      color="primary"
      className={classes.nowrap}
      onClick={onSignOff}
      disabled={busy || denied || permission.loading}
      aria-label={`Sign off ${item.title}`}
    >
      Sign off
    </Button>
  );
  if (!denied) return button;
  return (
    <Tooltip title="You may not sign off checks of this entity">
      <span>{button}</span>
    </Tooltip>
  );
};

/** Checklist items grouped by category, with their values, evidence and sign-off controls. */
export const ChecklistTable = ({
  label,
  items,
  signOffPermission,
  onSignOff,
  onWithdraw,
}: {
  label: string;
  items: ChecklistItem[];
  signOffPermission: PermissionState;
  onSignOff: (itemIds: string[]) => void;
  onWithdraw: (itemId: string) => Promise<void>;
}) => {
  const classes = useStyles();
  const [busy, setBusy] = useState<string>();
  const run = async (itemId: string, action: () => Promise<void>) => {
    setBusy(itemId);
    try {
      await action();
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <Table size="small" aria-label={label}>
      <TableHead>
        <TableRow>
          <TableCell>Check</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Observed</TableCell>
          <TableCell>Sign-off</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {groupByCategory(items).map(([category, group]) => [
          <TableRow key={`category-${category}`}>
            <TableCell colSpan={4} className={classes.category}>
              {CATEGORY_TITLES[category as CheckCategory] ?? category}
            </TableCell>
          </TableRow>,
          ...group.map(item => (
            <TableRow key={item.id} data-testid={`check-${item.id}`}>
              <TableCell>
                {item.title}
                {item.required && (
                  <Chip
                    size="small"
                    label="required"
                    variant="outlined"
                    className={classes.required}
                  />
                )}
                {item.message && (
                  <Typography variant="body2" color="textSecondary">
                    {item.message}
                  </Typography>
                )}
                {evidenceText(item) && item.evidence?.type !== 'sign-off' && (
                  <details className={classes.evidence}>
                    <summary>
                      {item.evidence?.type === 'promql' ? 'query' : 'evidence'}
                    </summary>
                    <pre>{evidenceText(item)}</pre>
                  </details>
                )}
              </TableCell>
              <TableCell className={classes.nowrap}>
                <CheckStatusLabel status={item.status} />
              </TableCell>
              <TableCell>
                {item.kind === 'manual' ? 'manual' : item.observed ?? '—'}
                {item.threshold && (
                  <Typography variant="body2" color="textSecondary">
                    {`needs ${item.threshold}`}
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                {item.kind === 'manual' && (
                  <>
                    {item.signOff && (
                      <Typography variant="body2">
                        <ActorName actor={item.signOff.by} />,{' '}
                        <span title={formatTime(item.signOff.at)}>
                          {relativeTime(item.signOff.at)}
                        </span>
                        {item.signOff.note && `: “${item.signOff.note}”`}
                      </Typography>
                    )}
                    <ManualAction
                      item={item}
                      permission={signOffPermission}
                      busy={busy === item.id}
                      onSignOff={() => onSignOff([item.id])}
                      onWithdraw={() => run(item.id, () => onWithdraw(item.id))}
                    />
                  </>
                )}
              </TableCell>
            </TableRow>
          )),
        ])}
      </TableBody>
    </Table>
  );
};
