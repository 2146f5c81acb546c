import type { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import type { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';
import type { BlueGreenServiceSpec } from './spec';

/** The color label of the seeds (and the default of `blue-green.backstage.io/color-label`). */
export const COLOR_LABEL = 'color';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The image's tag as a `version` label (e.g. `version: v1.0.0`), when it is a valid label value. */
export function versionOf(image: string): string | undefined {
  const name = image.split('@')[0]; // without a digest
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= lastSlash) return undefined;
  const tag = name.slice(colon + 1);
  return tag && tag.length <= 63 && LABEL_VALUE.test(tag) ? tag : undefined;
}

export function imageOf(spec: BlueGreenServiceSpec, color: Color): string {
  return color === 'green' ? spec.greenImage ?? spec.image : spec.image;
}

export function metadata(
  spec: BlueGreenServiceSpec,
  name: string,
  labels: Record<string, string> = {},
): KubeObject['metadata'] {
  return {
    name,
    namespace: spec.namespace,
    labels: { app: spec.name, ...labels },
  };
}

/**
 * A pod template with what a color needs before it takes traffic: readiness and liveness
 * probes on the health path, requests and limits, and connection draining:
 * a preStop pause so the endpoints controller removes the pod before it stops, inside a grace
 * period long enough to finish in-flight requests.
 */
export function podTemplate(
  spec: BlueGreenServiceSpec,
  image: string,
  labels: Record<string, string>,
) {
  const version = versionOf(image);
  const probe = (initialDelaySeconds: number, periodSeconds: number) => ({
    httpGet: { path: spec.healthPath, port: spec.port },
    initialDelaySeconds,
    periodSeconds,
  });
  return {
    metadata: {
      labels: { app: spec.name, ...labels, ...(version && { version }) },
    },
    spec: {
      terminationGracePeriodSeconds: spec.drain.terminationGracePeriodSeconds,
      containers: [
        {
          name: 'app',
          image,
          ports: [{ name: 'http', containerPort: spec.port }],
          resources: spec.resources,
          readinessProbe: probe(5, 10),
          livenessProbe: probe(15, 20),
          lifecycle: {
            preStop: {
              exec: {
                command: [
                  '/bin/sh',
                  '-c',
                  `sleep ${spec.drain.preStopSleepSeconds}`,
                ],
              },
            },
          },
        },
      ],
    },
  };
}

/** The Deployment of one color. */
export function colorDeployment(
  spec: BlueGreenServiceSpec,
  name: string,
  color: Color,
): KubeObject {
  const labels = { [COLOR_LABEL]: color };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(spec, name, labels),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { app: spec.name, ...labels } },
      template: podTemplate(spec, imageOf(spec, color), labels),
    },
  };
}

/** A ClusterIP Service on the `http` port, selecting `app` plus `selector`. */
export function service(
  spec: BlueGreenServiceSpec,
  name: string,
  selector: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, name),
    spec: {
      type: 'ClusterIP',
      selector: { app: spec.name, ...selector },
      ports: [
        {
          name: 'http',
          protocol: 'TCP',
          port: spec.servicePort,
          targetPort: spec.port,
        },
      ],
    },
  };
}
