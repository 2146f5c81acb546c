import {
  CopyTextButton,
  Link,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import { makeStyles } from '@material-ui/core/styles';
import { useState } from 'react';
import { blueGreenApiRef, MonitoringArtifact } from '../../api';
import { useAsyncValue } from '../../hooks/useAsyncValue';
import { errorMessage } from '../shared/errors';
import { useFocusRing } from '../shared/focus';

const ARTIFACTS: Record<
  MonitoringArtifact,
  { label: string; about: string; file: string }
> = {
  'prometheus-rules': {
    label: 'Prometheus alert rules',
    about:
      'A PrometheusRule that alerts on the rollback criteria of this service. Apply it with kubectl apply -f where the Prometheus Operator runs.',
    file: 'prometheus-rule.json',
  },
  'grafana-dashboard': {
    label: 'Grafana dashboard',
    about:
      'A dashboard of requests, 5xx ratio and P99 latency per color. Import it in Grafana (Dashboards → New → Import).',
    file: 'grafana-dashboard.json',
  },
};

const useStyles = makeStyles(theme => ({
  code: {
    maxHeight: 420,
    overflow: 'auto',
    fontSize: 12,
    padding: theme.spacing(1),
    backgroundColor: theme.palette.background.default,
    borderRadius: theme.shape.borderRadius,
    margin: 0,
  },
}));

/** Saves `text` as a file through the browser, without a second request. */
function download(text: string, file: string) {
  const url = URL.createObjectURL(
    new Blob([text], { type: 'application/json' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  a.click();
  URL.revokeObjectURL(url);
}

const ArtifactDialog = ({
  entity,
  kind,
  onClose,
}: {
  entity: CompoundEntityRef;
  kind: MonitoringArtifact;
  onClose: () => void;
}) => {
  const api = useApi(blueGreenApiRef);
  const classes = useStyles();
  const { ring } = useFocusRing();
  const { namespace, kind: entityKind, name } = entity;
  const { value, error } = useAsyncValue(
    () => api.getMonitoring({ namespace, kind: entityKind, name }, kind),
    [api, namespace, entityKind, name, kind],
  );
  const text = value ? JSON.stringify(value, null, 2) : undefined;
  const { label, about, file } = ARTIFACTS[kind];
  return (
    <Dialog
      open
      onClose={onClose}
      aria-labelledby="monitoring-artifact-title"
      fullWidth
      maxWidth="md"
      classes={{ paper: ring }}
      data-blue-green="dialog"
    >
      <DialogTitle id="monitoring-artifact-title">{label}</DialogTitle>
      <DialogContent>
        <DialogContentText>{about}</DialogContentText>
        {error && (
          <WarningPanel
            defaultExpanded
            severity="error"
            title={`Could not load the ${label.toLocaleLowerCase('en-US')}`}
            message={errorMessage(error)}
          />
        )}
        {!error && !text && <Progress />}
        {text && (
          // A scrolling block must take the focus, so keyboard users can scroll it.
          // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
          <pre className={classes.code} tabIndex={0} aria-label={label}>
            {text}
          </pre>
        )}
      </DialogContent>
      <DialogActions>
        {text && <CopyTextButton text={text} tooltipText="Copied" />}
        <Button disabled={!text} onClick={() => text && download(text, file)}>
          Download
        </Button>
        <Button onClick={onClose} color="primary">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
};

/**
 * The alert rules and dashboard the backend generates for the entity: viewed, copied or
 * downloaded here, fetched with the user's credentials (the backend answers only signed-in
 * users, so a plain browser link would not work). Links to Grafana when the app configures it.
 */
export const MonitoringArtifacts = ({
  entity,
}: {
  entity: CompoundEntityRef;
}) => {
  const config = useApi(configApiRef);
  const [open, setOpen] = useState<MonitoringArtifact>();
  const grafana = config.getOptionalString('blueGreen.grafana.url');
  const uid = config.getOptionalString('blueGreen.grafana.dashboardUid');
  return (
    <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
      {(Object.keys(ARTIFACTS) as MonitoringArtifact[]).map(kind => (
        <Button
          key={kind}
          size="small"
          variant="outlined"
          onClick={() => setOpen(kind)}
        >
          {`${ARTIFACTS[kind].label}…`}
        </Button>
      ))}
      {grafana && (
        <Link
          to={`${grafana.replace(/\/+$/, '')}${
            uid ? `/d/${uid}` : '/dashboards'
          }`}
          target="_blank"
          rel="noopener"
        >
          Open in Grafana
        </Link>
      )}
      {open && (
        <ArtifactDialog
          entity={entity}
          kind={open}
          onClose={() => setOpen(undefined)}
        />
      )}
    </Box>
  );
};
