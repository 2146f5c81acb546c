import {
  ActionDecision,
  DeployRequest,
  EntityStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import TextField from '@material-ui/core/TextField';
import { useState } from 'react';
import { ColorName } from '../shared/ColorName';
import { ConfirmDialog } from '../shared/ConfirmDialog';

/** Roughly what the backend accepts as an image reference; it checks again. */
const IMAGE = /^[^\s:@/][^\s@]*(@sha256:[a-f0-9]{64})?$/;

/** The tag of an image reference, shown as the default version. */
export function tagOf(image: string): string | undefined {
  const name = image.split('@')[0];
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
}

/**
 * Puts a new version on the idle color: the image (prefilled with what the idle color runs, to
 * change its tag), the version and the container, and force when the user may override the
 * reasons against it. The live color keeps the traffic; the new version's checklist starts over.
 */
export const DeployDialog = ({
  status,
  decision,
  canForce,
  onCancel,
  onConfirm,
}: {
  status: EntityStatus;
  decision: ActionDecision;
  canForce: boolean;
  onCancel: () => void;
  onConfirm: (request: DeployRequest) => Promise<void>;
}) => {
  const target = decision.target!;
  const idle = status.colors[target];
  const [image, setImage] = useState(
    idle.images[0] ??
      status.colors[status.live === 'green' ? 'green' : 'blue'].images[0] ??
      '',
  );
  const [version, setVersion] = useState('');
  const [container, setContainer] = useState('');
  const [force, setForce] = useState(false);
  const needsForce = !decision.allowed;
  const imageValid = IMAGE.test(image.trim());
  const changed = !idle.images.includes(image.trim());
  let imageHelp: string | undefined;
  if (!imageValid) {
    imageHelp = 'an image reference such as registry.example.com/my-app:1.2.0';
  } else if (!changed) {
    imageHelp = `${target} runs this image already`;
  }

  return (
    <ConfirmDialog
      id="deploy"
      title={
        <>
          Deploy to <ColorName color={target} />
        </>
      }
      description={
        <>
          Sets the image of {idle.workload?.name ?? target}, which takes no live
          traffic (it runs {idle.version ?? idle.images.join(', ')} now).
          {status.live === 'blue' || status.live === 'green' ? (
            <>
              {' '}
              <ColorName color={status.live} /> keeps serving. The new version's
              checklist starts over: its sign-offs are its own.
            </>
          ) : null}
        </>
      }
      warning={
        needsForce ? (
          <>
            {decision.reasons.join('; ')}
            {canForce ? '' : ' (only someone with the force permission may)'}
          </>
        ) : undefined
      }
      reason={{ label: 'Reason', placeholder: 'e.g. release 1.2.0' }}
      confirmLabel={`Deploy to ${target}`}
      busyLabel="Deploying…"
      ready={imageValid && changed && (!needsForce || force)}
      onCancel={onCancel}
      onConfirm={reason =>
        onConfirm({
          image: image.trim(),
          ...(version.trim() && { version: version.trim() }),
          ...(container.trim() && { container: container.trim() }),
          ...(reason && { reason }),
          ...(force && { force: true }),
          revision: status.revision,
        })
      }
    >
      <TextField
        id="deploy-image"
        label="Image"
        required
        fullWidth
        value={image}
        onChange={e => setImage(e.target.value)}
        error={!imageValid || !changed}
        helperText={imageHelp}
        inputProps={{ maxLength: 500 }}
      />
      <TextField
        id="deploy-version"
        label="Version"
        fullWidth
        margin="normal"
        value={version}
        onChange={e => setVersion(e.target.value)}
        placeholder={tagOf(image) ?? ''}
        helperText="The pods' version label; empty: the image's tag"
        inputProps={{ maxLength: 63 }}
      />
      <TextField
        id="deploy-container"
        label="Container"
        fullWidth
        margin="normal"
        value={container}
        onChange={e => setContainer(e.target.value)}
        helperText="Needed only when the pods have several containers"
        inputProps={{ maxLength: 63 }}
      />
      {needsForce && canForce && (
        <FormControlLabel
          control={
            <Checkbox
              checked={force}
              onChange={e => setForce(e.target.checked)}
            />
          }
          label="Deploy anyway (force, recorded)"
        />
      )}
    </ConfirmDialog>
  );
};
