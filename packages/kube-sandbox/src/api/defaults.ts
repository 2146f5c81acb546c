/**
 * Defaulting as kube-apiserver does it for the built-in types the sandbox runs
 * (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go), so objects read back
 * look like a real cluster's and pod-template hashes are stable.
 */
import { KubeObject } from './store';

export function defaultPodSpec(spec: any) {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
  ]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    if (c.imagePullPolicy === undefined) {
      const tag =
        String(c.image ?? '')
          .split('/')
          .pop() ?? '';
      c.imagePullPolicy =
        !tag.includes(':') || tag.endsWith(':latest')
          ? 'Always'
          : 'IfNotPresent';
    }
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      if (!probe) continue;
      probe.timeoutSeconds ??= 1;
      probe.periodSeconds ??= 10;
      probe.successThreshold ??= 1;
      probe.failureThreshold ??= 3;
      if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
    }
  }
}

function defaultTemplate(obj: any) {
  obj.spec.template ??= {};
  obj.spec.template.metadata ??= {};
  obj.spec.template.metadata.creationTimestamp ??= null;
  defaultPodSpec(obj.spec.template.spec);
}

export function applyDefaults(obj: KubeObject): void {
  const spec = obj.spec;
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case 'apps/v1/Deployment':
      if (!spec) return;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if (spec.strategy.type === undefined)
        spec.strategy.type = 'RollingUpdate';
      if (spec.strategy.type === 'RollingUpdate') {
        spec.strategy.rollingUpdate ??= {};
        spec.strategy.rollingUpdate.maxSurge ??= '25%';
        spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      }
      defaultTemplate(obj);
      break;
    case 'apps/v1/ReplicaSet':
      if (!spec) return;
      spec.replicas ??= 1;
      defaultTemplate(obj);
      break;
    case 'argoproj.io/v1alpha1/Rollout':
      // CRDs get no defaulting beyond their schema; keep the user's object.
      break;
    case 'v1/Pod':
      defaultPodSpec(spec);
      break;
    case 'v1/Service':
      if (!spec) return;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.internalTrafficPolicy ??= 'Cluster';
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    default:
  }
}
