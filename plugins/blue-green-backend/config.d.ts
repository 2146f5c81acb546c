import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Configuration of the Blue/Green plugins. */
  blueGreen?: {
    /**
     * How Blue/Green reaches the clusters the Kubernetes plugin supplies (every locator of
     * `kubernetes.clusterLocatorMethods`, custom suppliers included).
     */
    kubernetes?: {
      /** Timeout of one Kubernetes API request (a Backstage duration). Default 10s. */
      requestTimeout?: HumanDuration | string;
      /**
       * The plugin's own identity per cluster, used for every read, write and background job
       * (bind it to the ClusterRole in the backend plugin's manifests/rbac). A cluster not listed
       * here is reached with the Kubernetes plugin's credentials when they are backend-side; a
       * cluster with only user-side auth (google, oidc) is then read-only.
       */
      clusters?: Array<{
        /** The cluster's name, as the Kubernetes plugin supplies it. */
        name: string;
        /**
         * A backend-side auth provider of the Kubernetes plugin: serviceAccount, aws, azure,
         * googleServiceAccount (or one a module added). Signed-in users' providers are refused.
         */
        authProvider?: string;
        /**
         * The token of the plugin's service account (authProvider serviceAccount).
         * @visibility secret
         */
        serviceAccountToken?: string;
        /** The IAM role to assume (authProvider aws). */
        assumeRole?: string;
        /** The external ID for that role (authProvider aws). */
        externalId?: string;
        /**
         * The same settings as a map, as the Kubernetes plugin's `authMetadata` form takes them:
         * `kubernetes.io/auth-provider`, `serviceAccountToken`, `kubernetes.io/aws-assume-role`, ...
         * @visibility secret
         */
        authMetadata?: { [key: string]: string };
        /** The name the API server's certificate carries, when it is not the URL's host. */
        tlsServerName?: string;
        /** An HTTP(S) or SOCKS proxy to reach the API server through. */
        proxyUrl?: string;
      }>;
    };
    /**
     * The namespaces each owner may use. A service is switched, scaled or rolled back only in a
     * namespace its owner may use, and the scaffolder creates a service only in a namespace a
     * team of the user who runs the template may use. Without rules every namespace may be used
     * except Kubernetes' own (kube-system, kube-public, kube-node-lease), which only a rule that
     * names them opens. A wrong rule stops the backend at start-up.
     */
    namespaces?: Array<{
      /** Owner entity refs, e.g. group:default/team-checkout (the kind defaults to Group). */
      owners: string[];
      /** Cluster names the rule holds on; absent means every cluster. */
      clusters?: string[];
      /** Namespace names, prefix-* patterns, or * for every namespace but Kubernetes' own. */
      namespaces: string[];
    }>;
    /**
     * Durations below are Backstage durations: `30s`, `5m`, `PT5M` or `{ minutes: 5 }`.
     */
    switch?: {
      /** How long to wait for the cluster to show that a switch took effect. Default 30s. */
      verifyTimeout?: HumanDuration | string;
      /** Default pause between the steps of a stepped shift. Default 30s. */
      stepInterval?: HumanDuration | string;
      /** An operation still in progress after this long is marked interrupted. Default 10m. */
      interruptedAfter?: HumanDuration | string;
      /** How often each backend looks for such operations. Default 1m. */
      sweepInterval?: HumanDuration | string;
    };
    /** The fleet page (`GET /api/blue-green/fleet`). */
    fleet?: {
      /**
       * How long the fleet page reuses one listing of a cluster and its traffic answer from
       * Prometheus (its Refresh button asks again). Default 10s.
       */
      cacheTtl?: HumanDuration | string;
      /** How long to wait for a cluster before showing its services as unavailable. Default 5s. */
      clusterTimeout?: HumanDuration | string;
      /**
       * Keep the lists of the clusters the plugin reads with its own credentials current with
       * watches, instead of listing every cluster again on each refresh. The watches stop once
       * the fleet has not been called for 5 minutes. Needs the `watch` verb of the plugin's
       * ClusterRole; a cluster that refuses it is listed instead. Default true.
       */
      watch?: boolean;
    };
    /** Where the checks read metrics (Prometheus HTTP API). Without it, metric checks are unknown. */
    prometheus?: {
      /** e.g. http://prometheus.monitoring:9090 */
      url?: string;
      /** Per-cluster Prometheus, by the cluster's name in kubernetes.clusterLocatorMethods. */
      clusters?: { [cluster: string]: string };
      /**
       * Sent as the Authorization header.
       * @visibility secret
       */
      authHeader?: string;
      /**
       * Extra request headers (e.g. X-Scope-OrgID for Mimir/Thanos).
       * @visibility secret
       */
      headers?: { [name: string]: string };
      /** Timeout of one query. Default 5s. */
      timeout?: HumanDuration | string;
      /**
       * PromQL templates, one query per metric for both colors. Placeholders: {{namespace}},
       * {{selector}}, {{podSelector}}, {{group}}, {{window}}, {{latencySeconds}}. Checked at start-up.
       * The fleet page renders requestRate and errorRatio over every Service at once: {{selector}}
       * `service!=""`, {{group}} `cluster, namespace, service`.
       */
      queries?: {
        requestRate?: string;
        errorRatio?: string;
        clientErrorRatio?: string;
        p99?: string;
        latencyUnder?: string;
        restarts?: string;
        oomKills?: string;
        cpuRatio?: string;
        memoryRatio?: string;
      };
    };
    /** Pre-deploy checklist of the idle color and post-deploy checks of the live one. */
    checks?: {
      /** Whether promote needs the required pre-deploy items to pass (else force). Default true. */
      requiredForPromote?: boolean;
      /**
       * Hosts the dependency probe (annotation blue-green.backstage.io/dependencies) may contact:
       * `db.internal`, `*.svc.cluster.local`, `redis.cache:6379`. Others are not contacted (the item
       * is unknown). Default: none.
       */
      dependencyHosts?: string[];
      /** Range of rate() in checklist queries (a whole number of milliseconds). Default 5m. */
      window?: HumanDuration | string;
      /** How long an evaluation is reused. Default 5s. */
      cacheTtl?: HumanDuration | string;
      /** Thresholds; per entity, the annotation blue-green.backstage.io/thresholds overrides them. */
      thresholds?: {
        errorRatio?: number;
        clientErrorSpikeFactor?: number;
        clientErrorSpikeMargin?: number;
        p99Factor?: number;
        rpsMin?: number;
        rpsMax?: number;
        rpsBandFactor?: number;
        cpuRatio?: number;
        memoryRatio?: number;
        restarts?: number;
        rollbackErrorRatio?: number;
        investigateP99Factor?: number;
        investigateCpuRatio?: number;
        /** Log signal: a spike is more error lines per minute per pod than this (default 10)... */
        logErrorsPerMinute?: number;
        /** ...and more than this many times the previous color's before the switch (default 3). */
        logErrorFactor?: number;
      };
      /** Per-item overrides by item id, e.g. `backfill: { required: true }`. */
      items?: { [id: string]: { required?: boolean; enabled?: boolean } };
      /**
       * Extra PromQL checks by id, e.g. a payment success rate. Each passes while its value for
       * the color is within min..max. Entities opt in with the annotation
       * blue-green.backstage.io/custom-checks unless allEntities is set.
       */
      custom?: {
        [id: string]: {
          /** Shown in the checklist. Default: the id. */
          title?: string;
          /** A PromQL template with the placeholders of prometheus.queries, one value per color. */
          query: string;
          min?: number;
          max?: number;
          /**
           * pre, post (checklists) and/or rollback (a rollback criterion, which also gets an alert
           * in the generated PrometheusRule, e.g. BlueGreenCheckPaymentSuccess). Default [post].
           */
          phases?: Array<'pre' | 'post' | 'rollback'>;
          /** Range of the query's {{window}}. Default checks.window. */
          window?: HumanDuration | string;
          /** Whether promote waits for it in the pre-deploy checklist. Default true. */
          required?: boolean;
          /** As a rollback criterion: rollback (default) or investigate. */
          action?: 'rollback' | 'investigate';
          /** As a rollback criterion: how long it must fail before it fires. Default 1m. */
          for?: HumanDuration | string;
          /** Apply to every entity. Default false. */
          allEntities?: boolean;
        };
      };
    };
    /** The watch after each promote: rollback criteria evaluated every few seconds. */
    watch?: {
      /** Default true. */
      enabled?: boolean;
      /** How long the watch runs after a promote. Default 5m. */
      duration?: HumanDuration | string;
      /** Default 15s. */
      evaluationInterval?: HumanDuration | string;
      /** Range of rate() in the 5xx, latency and CPU criteria (unless one sets its own window). Default 1m. */
      rateWindow?: HumanDuration | string;
      /**
       * The rollback criteria. Defaults: `error-rate` (5xx ratio above checks.thresholds.rollbackErrorRatio,
       * 1 %) rolls back once it has held for 5m; `restart-loop` (more than checks.thresholds.restarts,
       * 3, restarts in 15m), `oom-kill` at once and `core-function` (the health endpoint fails) after
       * 30s roll back; `latency-p99` (above 2x the previous color's) and `cpu` (above 90 % of limits)
       * call for an investigation after 5m; `log-errors` (an error-log spike, see logs) calls for
       * an investigation after 1m. Per entity: the annotation
       * blue-green.backstage.io/rollback-criteria, e.g. `error-rate.for=2m,cpu.action=rollback`.
       */
      criteria?: {
        [criterion: string]: {
          /** rollback (automatically where allowed), investigate (the owners are told) or off. */
          action?: 'rollback' | 'investigate' | 'off';
          /** Range of the criterion's rate() or increase(). */
          window?: HumanDuration | string;
          /** How long it must fail without a break before it fires; 0s fires at once. */
          for?: HumanDuration | string;
        };
      };
      /** Roll back by itself when an immediate criterion fires; per entity: blue-green.backstage.io/auto-rollback. Default true. */
      autoRollback?: boolean;
    };
    /**
     * The log signal: error lines per minute in the logs of the live color's pods since the
     * switch, against checks.thresholds.logErrorsPerMinute and the previous color's before the
     * switch. It is a post-deploy item (`log-errors`) and the rollback criterion `log-errors`
     * (watch.criteria). The plugin reads a few pods' recent logs through the Kubernetes API
     * (`get pods/log`, in the shipped ClusterRole), or asks Loki when loki.baseUrl is set. It has
     * no alert in the generated PrometheusRule: its counts do not come from Prometheus.
     */
    logs?: {
      /** Default true. */
      enabled?: boolean;
      /**
       * Regular expressions (JavaScript syntax; with Loki, also valid RE2); a line that matches
       * any of them is an error line. Default: ERROR, CRITICAL and FATAL levels (also as JSON
       * "level"), stack-trace lines (`  at …`, `Traceback`), refused connections, time-outs.
       */
      patterns?: string[];
      /** How far back the logs are read (from 30s to 1h). Default 2m. */
      window?: HumanDuration | string;
      /** Pods of each color whose logs are read. Default 3. */
      maxPods?: number;
      /** At most this many of the last lines of each pod are read. Default 2000. */
      tailLines?: number;
      /** At most this many bytes of each pod's log are read. Default 524288. */
      limitBytes?: number;
      /** Count the error lines with Loki instead of reading pod logs. */
      loki?: {
        /** e.g. http://loki.monitoring:3100 */
        baseUrl: string;
        /**
         * A LogQL metric query giving the error lines of one color over {{window}}. Placeholders:
         * {{namespace}}, {{pods}} (the color's pod names as a regular expression), {{pattern}}
         * (the patterns above as one), {{window}}. Checked at start-up. Default:
         * `sum(count_over_time({namespace="{{namespace}}", pod=~"{{pods}}"} |~ "{{pattern}}" [{{window}}]))`.
         */
        query?: string;
        /**
         * Request headers (e.g. X-Scope-OrgID, Authorization).
         * @visibility secret
         */
        headers?: { [name: string]: string };
        /** Timeout of one query. Default 5s. */
        timeout?: HumanDuration | string;
      };
    };
    /** Service level objectives, checked as error budgets; per entity: blue-green.backstage.io/slo. */
    slo?: {
      /** Default 0.999. */
      availability?: number;
      /** Share of requests under latencyThreshold. Default 0.95. */
      latency?: number;
      /**
       * Default 250ms, a bucket boundary of the default histograms of the Prometheus client
       * libraries (Go, Java, Python, Node).
       */
      latencyThreshold?: HumanDuration | string;
      /**
       * The `le` label of the histogram bucket that counts requests under latencyThreshold, as
       * your histogram writes it (e.g. "0.25"). Default: latencyThreshold in seconds. Set it when
       * your buckets are written differently or the threshold is not a bucket boundary.
       */
      latencyBucket?: string;
      /** Whole days from 1 to 365. Default 30d. */
      window?: HumanDuration | string;
    };
    /** The alerts of the generated PrometheusRule (`GET …/monitoring/prometheus-rules`). */
    alerts?: {
      /**
       * Each alert's runbook_url, with the entity's {{namespace}}, {{kind}} and {{name}}. Default:
       * the entity's Blue/Green tab, `<app.baseUrl>/catalog/{{namespace}}/{{kind}}/{{name}}/blue-green`.
       */
      runbookUrl?: string;
    };
    /** Deploy markers: an annotation on a Grafana dashboard for each switch. */
    grafana?: {
      /**
       * Grafana's address; the Blue/Green tab links to it.
       * @visibility frontend
       */
      url?: string;
      /** @visibility secret */
      token?: string;
      /**
       * The dashboard that gets deploy markers; the tab's link opens it.
       * @visibility frontend
       */
      dashboardUid?: string;
    };
    /** Scale the previous color down after a promote, like Argo's scaleDownDelaySeconds. */
    scaleDown?: {
      /** Default false; the entity annotation blue-green.backstage.io/scale-down-delay-seconds turns it on per entity. */
      enabled?: boolean;
      /** Default 30s. */
      delay?: HumanDuration | string;
      /** Replicas to leave in the idle color. Default 0. */
      replicas?: number;
    };
  };
}
