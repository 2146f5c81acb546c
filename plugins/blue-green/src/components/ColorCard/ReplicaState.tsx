import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { ColorStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { isStarting } from '../StatusHeader/summary';

/** Ready/desired replicas with a status icon, e.g. "3/3 ready". */
export const ReplicaState = ({ color }: { color: ColorStatus }) => {
  const { ready, desired } = color.replicas;
  const text = `${ready}/${desired} ready`;
  if (!color.workload) return <StatusError>no workload</StatusError>;
  if (desired === 0) return <StatusPending>scaled to 0</StatusPending>;
  if (ready >= desired) return <StatusOK>{text}</StatusOK>;
  // Pods on their way (scheduled, pulling, creating) are progress, not an error.
  const missing = color.pods.filter(p => !p.ready);
  if (missing.length > 0 && missing.every(isStarting)) {
    return <StatusRunning>{`${text}, starting`}</StatusRunning>;
  }
  return ready === 0 ? (
    <StatusError>{text}</StatusError>
  ) : (
    <StatusWarning>{text}</StatusWarning>
  );
};
