import { CompoundEntityRef, parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';

/** The user entity an actor names, if it names one (background jobs and services do not). */
function userOf(actor: string): CompoundEntityRef | undefined {
  try {
    const ref = parseEntityRef(actor);
    return ref.kind.toLocaleLowerCase('en-US') === 'user' ? ref : undefined;
  } catch {
    return undefined; // no kind: e.g. "blue-green-watch"
  }
}

/**
 * Who did something: a user as a link to their catalog page, with their display name when the
 * catalog has one; anything else (a background job, a service) as it is written.
 */
export const ActorName = ({ actor }: { actor: string }) => {
  const user = userOf(actor);
  return user ? (
    <EntityRefLink entityRef={user} defaultKind="user" hideIcon />
  ) : (
    <>{actor}</>
  );
};
