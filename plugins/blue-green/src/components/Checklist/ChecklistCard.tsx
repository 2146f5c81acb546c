import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import {
  CheckCategory,
  Checklist,
  ChecklistItem,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Box from '@material-ui/core/Box';
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
import { ColorName } from '../shared/ColorName';
import { errorMessage } from '../shared/errors';
import { formatTime, relativeTime } from '../shared/format';
import { CheckStatusLabel } from '../shared/StatusLabels';
import { SignOffDialog } from './SignOffDialog';

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
    fontFamily: 'monospace',
    fontSize: 11,
    color: theme.palette.text.secondary,
    wordBreak: 'break-all',
  },
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
  const denied = !permission.loading && !permission.allowed;
  const button = item.signOff ? (
    <Button
      size="small"
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

/**
 * A checklist grouped by category: automatic items with the observed value against
 * the threshold, manual items with who signed off, when and with what note.
 */
export const ChecklistCard = ({
  title,
  checklist,
  loading,
  error,
  signOffPermission,
  onSignOff,
  onWithdraw,
}: {
  title: string;
  checklist?: Checklist;
  loading: boolean;
  error?: Error;
  signOffPermission: PermissionState;
  onSignOff: (itemId: string, note: string) => Promise<void>;
  onWithdraw: (itemId: string) => Promise<void>;
}) => {
  const classes = useStyles();
  const [signing, setSigning] = useState<ChecklistItem>();
  const [busy, setBusy] = useState<string>();

  const run = async (itemId: string, action: () => Promise<void>) => {
    setBusy(itemId);
    try {
      await action();
    } finally {
      setBusy(undefined);
    }
  };

  let body;
  if (error) {
    body = (
      <WarningPanel
        defaultExpanded
        severity="warning"
        title="The checklist could not be loaded"
        message={errorMessage(error)}
      />
    );
  } else if (!checklist) {
    body = loading ? <Progress /> : null;
  } else {
    const required = checklist.items.filter(i => i.required);
    const passing = required.filter(i => i.status === 'pass').length;
    body = (
      <>
        <Box display="flex" alignItems="center" flexWrap="wrap" mb={1}>
          <Box mr={2}>
            <CheckStatusLabel status={checklist.status}>
              {`${passing} of ${required.length} required checks pass`}
            </CheckStatusLabel>
          </Box>
          <Typography variant="body2" color="textSecondary">
            Checking <ColorName color={checklist.color} />
            {checklist.version ? ` ${checklist.version}` : ''} · evaluated{' '}
            {relativeTime(checklist.evaluatedAt)}
          </Typography>
        </Box>
        {checklist.warnings.map(w => (
          <Box key={w} mb={1}>
            <WarningPanel severity="warning" title={w} />
          </Box>
        ))}
        <Table size="small" aria-label={title}>
          <TableHead>
            <TableRow>
              <TableCell>Check</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Observed</TableCell>
              <TableCell>Threshold</TableCell>
              <TableCell>Sign-off</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {groupByCategory(checklist.items).map(([category, items]) => [
              <TableRow key={`category-${category}`}>
                <TableCell colSpan={5} className={classes.category}>
                  {CATEGORY_TITLES[category as CheckCategory] ?? category}
                </TableCell>
              </TableRow>,
              ...items.map(item => (
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
                    {evidenceText(item) && (
                      <div className={classes.evidence}>
                        {evidenceText(item)}
                      </div>
                    )}
                  </TableCell>
                  <TableCell>
                    <CheckStatusLabel status={item.status} />
                  </TableCell>
                  <TableCell>
                    {item.kind === 'manual' ? 'manual' : item.observed ?? '—'}
                  </TableCell>
                  <TableCell>{item.threshold ?? '—'}</TableCell>
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
                          onSignOff={() => setSigning(item)}
                          onWithdraw={() =>
                            run(item.id, () => onWithdraw(item.id))
                          }
                        />
                      </>
                    )}
                  </TableCell>
                </TableRow>
              )),
            ])}
          </TableBody>
        </Table>
      </>
    );
  }

  return (
    <InfoCard title={title}>
      {body}
      {signing && (
        <SignOffDialog
          item={signing}
          onCancel={() => setSigning(undefined)}
          onConfirm={async note => {
            await onSignOff(signing.id, note);
            setSigning(undefined);
          }}
        />
      )}
    </InfoCard>
  );
};
