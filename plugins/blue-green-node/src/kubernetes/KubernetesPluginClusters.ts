import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type {
  AuthenticationStrategy,
  KubernetesClustersSupplier,
} from '@backstage/plugin-kubernetes-node';

/**
 * What the Kubernetes backend plugin built at start-up: its cluster supplier (every locator in
 * `kubernetes.clusterLocatorMethods`, or the custom supplier a module registered) and its auth
 * strategies by `authProvider` (the built-in ones and any a module added).
 *
 * @public
 */
export type KubernetesPluginMachinery = {
  clusterSupplier: KubernetesClustersSupplier;
  authStrategies: Record<string, AuthenticationStrategy>;
};

/**
 * Hands the Kubernetes backend's machinery to the Blue/Green plugins: a module of the Kubernetes
 * plugin publishes it (another plugin cannot use the Kubernetes plugin's extension points), the
 * Blue/Green backend and scaffolder module read it.
 *
 * @public
 */
export interface KubernetesPluginClusters {
  /** Called once by the module inside the Kubernetes backend. */
  publish(machinery: KubernetesPluginMachinery): void;
  /**
   * The machinery, once the Kubernetes backend has started; rejects with what to install when the
   * backend started without it.
   */
  get(): Promise<KubernetesPluginMachinery>;
}

class PublishedMachinery implements KubernetesPluginClusters {
  #resolve!: (machinery: KubernetesPluginMachinery) => void;
  #reject!: (error: Error) => void;
  #published = false;
  readonly #promise = new Promise<KubernetesPluginMachinery>(
    (resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    },
  );

  constructor() {
    // Nobody may be waiting yet when the backend starts without the Kubernetes plugin.
    this.#promise.catch(() => undefined);
  }

  publish(machinery: KubernetesPluginMachinery) {
    this.#published = true;
    this.#resolve(machinery);
  }

  get() {
    return this.#promise;
  }

  /** Every plugin has started: whoever did not publish by now never will. */
  backendStarted() {
    if (this.#published) return;
    this.#reject(
      new Error(
        'Blue/Green reaches clusters through the Kubernetes backend plugin, which did not start: ' +
          "add backend.add(import('@backstage/plugin-kubernetes-backend')) and configure " +
          'kubernetes.clusterLocatorMethods (if you register your own Kubernetes router, see the ' +
          'Blue/Green backend README)',
      ),
    );
  }
}

/**
 * The one {@link KubernetesPluginClusters} of a backend.
 *
 * @public
 */
export const kubernetesPluginClustersServiceRef =
  createServiceRef<KubernetesPluginClusters>({
    id: 'blue-green.kubernetes-plugin-clusters',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: { lifecycle: coreServices.rootLifecycle },
        factory({ lifecycle }) {
          const machinery = new PublishedMachinery();
          lifecycle.addStartupHook(() => machinery.backendStarted());
          return machinery;
        },
      }),
  });
