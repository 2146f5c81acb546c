import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { Checklist } from '@bluegreen-backstage/plugin-blue-green-common';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { PermissionState } from '../../hooks/useBlueGreenPermissions';
import { ColorName } from '../shared/ColorName';
import { errorMessage } from '../shared/errors';
import { relativeTime } from '../shared/format';
import { CheckStatusLabel } from '../shared/StatusLabels';
import { ChecklistTable } from './ChecklistTable';

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
  /** Opens the sign-off dialog with these items ticked. */
  onSignOff: (itemIds: string[]) => void;
  onWithdraw: (itemId: string) => Promise<void>;
}) => {
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
    const unsigned = checklist.items.filter(
      i => i.kind === 'manual' && !i.signOff,
    );
    const denied = !signOffPermission.loading && !signOffPermission.allowed;
    // What needs attention first; what passes is one click away.
    const open = checklist.items.filter(
      i =>
        i.status !== 'pass' &&
        (i.required || i.status === 'fail' || i.status === 'warn'),
    );
    const passed = checklist.items.filter(i => !open.includes(i));
    const optional = passed.filter(i => i.status !== 'pass').length;
    const folded = passed.length - optional;
    const foldLabel = `${folded} check${folded === 1 ? '' : 's'} pass${
      optional ? `, ${optional} optional to do` : ''
    }`;
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
          {unsigned.length > 0 && (
            <Box ml="auto">
              <Button
                variant="outlined"
                color="primary"
                disabled={denied || signOffPermission.loading}
                onClick={() =>
                  onSignOff(unsigned.filter(i => i.required).map(i => i.id))
                }
              >
                {`Sign off ${unsigned.length > 1 ? 'items' : 'the item'}…`}
              </Button>
            </Box>
          )}
        </Box>
        {denied && unsigned.length > 0 && (
          <Typography variant="body2" color="textSecondary">
            You may not sign off checks of this entity (blue-green.sign-off);
            its owners can.
          </Typography>
        )}
        {checklist.warnings.map(w => (
          <Box key={w} mb={1}>
            <WarningPanel severity="warning" title={w} />
          </Box>
        ))}
        {open.length > 0 && (
          <ChecklistTable
            label={title}
            items={open}
            signOffPermission={signOffPermission}
            onSignOff={onSignOff}
            onWithdraw={onWithdraw}
          />
        )}
        {passed.length > 0 && (
          <Accordion
            variant="outlined"
            defaultExpanded={open.length === 0 && passed.length <= 4}
            TransitionProps={{ unmountOnExit: true }}
          >
            <AccordionSummary
              expandIcon={<ExpandMoreIcon />}
              aria-controls="passing-checks"
              aria-label={foldLabel}
            >
              <CheckStatusLabel status="pass">{foldLabel}</CheckStatusLabel>
            </AccordionSummary>
            <AccordionDetails id="passing-checks">
              <ChecklistTable
                label={`${title}, passing`}
                items={passed}
                signOffPermission={signOffPermission}
                onSignOff={onSignOff}
                onWithdraw={onWithdraw}
              />
            </AccordionDetails>
          </Accordion>
        )}
      </>
    );
  }

  return <InfoCard title={title}>{body}</InfoCard>;
};
