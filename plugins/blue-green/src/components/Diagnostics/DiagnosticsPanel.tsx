import { Progress, WarningPanel } from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  COLORS,
  Diagnostics,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { useEffect, useState } from 'react';
import { useDiagnostics } from '../../hooks/useDiagnostics';
import { ColorName } from '../shared/ColorName';
import { errorMessage } from '../shared/errors';
import { relativeTime } from '../shared/format';

const DiagnosticsBody = ({ data }: { data: Diagnostics }) => (
  <Grid container spacing={2}>
    {COLORS.map(color => {
      const d = data.colors[color];
      return (
        <Grid item xs={12} md={6} key={color}>
          <Typography variant="h6" component="h3">
            <ColorName color={color} />
          </Typography>
          <Typography variant="subtitle2" component="h4">
            Why pods are not Ready
          </Typography>
          {d.notReady.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              Every pod is Ready.
            </Typography>
          ) : (
            <ul aria-label={`${color} pods not ready`}>
              {d.notReady.map(n => (
                <li key={n.pod}>
                  <strong>{n.pod}</strong>: {n.reason}
                  {n.message && ` — ${n.message}`}
                </li>
              ))}
            </ul>
          )}
          <Typography variant="subtitle2" component="h4">
            Recent events
          </Typography>
          {d.events.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              No events.
            </Typography>
          ) : (
            <Table size="small" aria-label={`${color} events`}>
              <TableHead>
                <TableRow>
                  <TableCell>Type</TableCell>
                  <TableCell>Reason</TableCell>
                  <TableCell>Object</TableCell>
                  <TableCell>Message</TableCell>
                  <TableCell>Last seen</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {d.events.slice(0, 20).map((e, i) => (
                  <TableRow key={`${e.object}-${e.reason}-${i}`}>
                    <TableCell>{e.type}</TableCell>
                    <TableCell>{e.reason}</TableCell>
                    <TableCell>{e.object}</TableCell>
                    <TableCell>
                      {e.message}
                      {e.count > 1 && ` (×${e.count})`}
                    </TableCell>
                    <TableCell>
                      {e.lastSeen ? relativeTime(e.lastSeen) : '—'}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Grid>
      );
    })}
    <Grid item xs={12}>
      <Typography variant="subtitle2" component="h3">
        Differences between the pod templates
      </Typography>
      {data.templateDiff.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          The two colors run the same template.
        </Typography>
      ) : (
        <Table size="small" aria-label="template differences">
          <TableHead>
            <TableRow>
              <TableCell>Field</TableCell>
              <TableCell>
                <ColorName color="blue" />
              </TableCell>
              <TableCell>
                <ColorName color="green" />
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {data.templateDiff.map(d => (
              <TableRow key={d.field}>
                <TableCell>
                  <code>{d.field}</code>
                </TableCell>
                <TableCell>{d.blue ?? '—'}</TableCell>
                <TableCell>{d.green ?? '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Grid>
  </Grid>
);

/**
 * Troubleshooting: why a color's pods are not Ready, recent Events, and how the two
 * colors' pod templates differ. Loaded when opened; opened by itself when the idle color is not
 * ready.
 */
export const DiagnosticsPanel = ({
  entity,
  defaultExpanded,
  version,
}: {
  entity: CompoundEntityRef;
  defaultExpanded: boolean;
  version: number;
}) => {
  const [expanded, setExpanded] = useState(defaultExpanded);
  const { diagnostics: data, error } = useDiagnostics(
    entity,
    version,
    expanded,
  );

  useEffect(() => {
    if (defaultExpanded) setExpanded(true);
  }, [defaultExpanded]);

  return (
    <Accordion
      expanded={expanded}
      onChange={(_e, open) => setExpanded(open)}
      TransitionProps={{ unmountOnExit: true }}
    >
      <AccordionSummary
        expandIcon={<ExpandMoreIcon />}
        aria-controls="blue-green-diagnostics"
        id="blue-green-diagnostics-header"
      >
        <Typography variant="h6" component="h2">
          Diagnostics
        </Typography>
        <Box ml={2} alignSelf="center">
          <Typography variant="body2" color="textSecondary">
            why pods are not Ready, events, template differences
          </Typography>
        </Box>
      </AccordionSummary>
      <AccordionDetails id="blue-green-diagnostics">
        <Box width="100%">
          {error && (
            <WarningPanel
              defaultExpanded
              title="Diagnostics could not be loaded"
              message={errorMessage(error)}
            />
          )}
          {!error && !data && <Progress />}
          {data && <DiagnosticsBody data={data} />}
        </Box>
      </AccordionDetails>
    </Accordion>
  );
};
