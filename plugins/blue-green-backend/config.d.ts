export interface Config {
  /** Configuration of the Blue/Green plugins. */
  blueGreen?: {
    kubernetes?: {
      /**
       * `auto` (default): clusters configured with a service-account token are called directly,
       * the others through the Kubernetes backend's proxy. `proxy`: every cluster through the proxy.
       */
      access?: 'auto' | 'proxy';
      /** Timeout of one Kubernetes API request, in milliseconds. Default 10000. */
      requestTimeoutMs?: number;
    };
    switch?: {
      /** How long to wait for the cluster to show that a switch took effect. Default 30. */
      verifyTimeoutSeconds?: number;
      /** Default pause between the steps of a stepped Istio shift. Default 30. */
      stepIntervalSeconds?: number;
      /** An operation still in progress after this long is marked interrupted. Default 600. */
      interruptedAfterSeconds?: number;
    };
    /** Scale the previous color down after a promote, like Argo's scaleDownDelaySeconds. */
    scaleDown?: {
      /** Default false; the entity annotation blue-green.backstage.io/scale-down-delay-seconds turns it on per entity. */
      enabled?: boolean;
      /** Default 30. */
      delaySeconds?: number;
      /** Replicas to leave in the idle color. Default 0. */
      replicas?: number;
    };
  };
}
