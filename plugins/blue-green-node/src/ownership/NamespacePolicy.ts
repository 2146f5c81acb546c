import { Config } from '@backstage/config';
import { normalizeEntityRef } from '@bluegreen-backstage/plugin-blue-green-common';

/**
 * One rule of `blueGreen.namespaces`: these owners may use these namespaces (on these clusters,
 * or on every cluster).
 *
 * @public
 */
export type NamespaceRule = {
  /** Entity refs of owners, e.g. `group:default/team-checkout` (kind defaults to Group). */
  owners: string[];
  /** Cluster names from `kubernetes.clusterLocatorMethods`; absent means every cluster. */
  clusters?: string[];
  /** Namespace names, `prefix-*` patterns, or `*` for every namespace but the system ones. */
  namespaces: string[];
};

/** Kubernetes' own namespaces: only a rule that names one literally opens it. */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

const PATTERN =
  /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(-\*)?|[a-z0-9][-a-z0-9]*\*)$/;

function matches(pattern: string, namespace: string): boolean {
  if (pattern === namespace) return true;
  if (SYSTEM_NAMESPACES.includes(namespace)) return false;
  if (pattern === '*') return true;
  return pattern.endsWith('*') && namespace.startsWith(pattern.slice(0, -1));
}

/**
 * Which namespaces an owner may use, from `blueGreen.namespaces` in app-config: the Blue/Green
 * backend switches an entity only in a namespace its owner may use, and the scaffolder creates a
 * service only there. Without rules every namespace may be used, except Kubernetes' own
 * (`kube-system`, `kube-public`, `kube-node-lease`), which only a rule naming them opens.
 *
 * @public
 */
export class NamespacePolicy {
  /** The rules, owners as normalized entity refs. */
  readonly rules: NamespaceRule[];

  /** Reads and checks `blueGreen.namespaces`; a wrong rule stops the backend at start-up. */
  static fromConfig(config: Config): NamespacePolicy {
    const key = 'blueGreen.namespaces';
    const rules = (config.getOptionalConfigArray(key) ?? []).map((rule, i) => {
      const at = `${key}[${i}]`;
      const owners = rule.getStringArray('owners').map(owner => {
        const ref = normalizeEntityRef(owner, { defaultKind: 'group' });
        if (!ref) {
          throw new Error(
            `${at}.owners: "${owner}" is not an entity ref like group:default/team-checkout`,
          );
        }
        return ref;
      });
      const namespaces = rule.getStringArray('namespaces');
      for (const namespace of namespaces) {
        if (!PATTERN.test(namespace)) {
          throw new Error(
            `${at}.namespaces: "${namespace}" is not a namespace name, a prefix-* pattern or *`,
          );
        }
      }
      return {
        owners,
        clusters: rule.getOptionalStringArray('clusters'),
        namespaces,
      };
    });
    return new NamespacePolicy(rules);
  }

  constructor(rules: NamespaceRule[]) {
    this.rules = rules.map(rule => ({
      ...rule,
      owners: rule.owners.map(
        o => normalizeEntityRef(o, { defaultKind: 'group' }) ?? o,
      ),
    }));
  }

  /**
   * Why `owners` may not use `namespace` on `cluster`, or undefined when one of them may.
   * `owners` are entity refs: an entity's owner, or a user's ownership refs.
   */
  problem(options: {
    owners: string[];
    cluster?: string;
    namespace: string;
  }): string | undefined {
    const { namespace, cluster } = options;
    const owners = options.owners.map(
      o => normalizeEntityRef(o, { defaultKind: 'group' }) ?? o,
    );
    const where = `namespace ${namespace}${
      cluster ? ` on cluster ${cluster}` : ''
    }`;
    const who = owners.length ? owners.join(', ') : 'no owner';
    if (this.rules.length === 0) {
      return SYSTEM_NAMESPACES.includes(namespace)
        ? `${where} is a Kubernetes system namespace; a blueGreen.namespaces rule must name it for ${who} to use it`
        : undefined;
    }
    const allowed = this.rules.some(
      rule =>
        rule.owners.some(o => owners.includes(o)) &&
        (!rule.clusters || (cluster && rule.clusters.includes(cluster))) &&
        rule.namespaces.some(p => matches(p, namespace)),
    );
    return allowed
      ? undefined
      : `${where} is not one that ${who} may use (blueGreen.namespaces)`;
  }
}
