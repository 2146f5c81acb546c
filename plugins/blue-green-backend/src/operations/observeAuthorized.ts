import { Authorizer, PendingAuthorization } from '../authorization/Authorizer';
import { EntityContext } from '../entities/EntityResolver';
import {
  Observation,
  ObservationReader,
  Purpose,
  Reads,
} from '../observation/ObservationReader';
import {
  errorMessage,
  Operation,
  OperationRecorder,
  withClusterState,
} from './OperationRecorder';

/**
 * How every change to an entity's cluster objects starts (a switch, a deploy): the cluster read
 * and the permission decision run together, and the binding of the objects the change writes is
 * judged on the first read. Nothing is decided or written before both are in. A refusal comes
 * first (the authorizer records it as refused); a cluster that could not be read is recorded as
 * failed with nothing written, and its error is rethrown saying so.
 */
export async function observeAuthorized(
  parts: {
    observer: ObservationReader;
    authorizer: Authorizer;
    recorder: OperationRecorder;
  },
  change: {
    context: EntityContext;
    purpose: Purpose;
    operation: Operation;
    pending: PendingAuthorization;
    /** The entity's first read, when already started (see `EntityResolver.resolveWithReads`). */
    reads?: Promise<Reads>;
  },
): Promise<Observation> {
  const { context, operation } = change;
  const first = change.reads ?? parts.observer.read(context);
  first.catch(() => undefined);
  const [observed, authorized] = await Promise.allSettled([
    parts.observer.observe(context, change.purpose, { reads: first }),
    parts.authorizer.authorize(
      change.pending,
      context,
      operation,
      first.then(r => r.snapshot),
    ),
  ]);
  if (authorized.status === 'rejected') throw authorized.reason;
  if (observed.status === 'rejected') {
    const cluster =
      'untouched: the cluster could not be read, nothing was written';
    await parts.recorder.ended(
      operation,
      'failed',
      errorMessage(observed.reason),
      { strategy: context.target.strategy, cluster },
    );
    throw withClusterState(observed.reason, cluster);
  }
  return observed.value;
}
