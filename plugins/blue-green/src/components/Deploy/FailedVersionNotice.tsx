import { FailedVersion } from '@bluegreen-backstage/plugin-blue-green-common';
import Alert from '@material-ui/lab/Alert';
import { ActorName } from '../shared/ActorName';
import { ColorName } from '../shared/ColorName';
import { formatTime } from '../shared/format';

/** The idle color runs a version that was rolled back: said first, with why and who. */
export const FailedVersionNotice = ({ failed }: { failed: FailedVersion }) => (
  <Alert severity="error" role="status">
    <strong>
      {failed.version ?? failed.images.join(', ')} on{' '}
      <ColorName color={failed.color} /> was rolled back
    </strong>{' '}
    at {formatTime(failed.at)} by <ActorName actor={failed.by} />:{' '}
    {failed.reason}. Its sign-offs were withdrawn; promoting it again needs a
    new version or force.
  </Alert>
);
