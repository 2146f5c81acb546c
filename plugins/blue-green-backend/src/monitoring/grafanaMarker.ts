import { BlueGreenConfig } from '../config';

/**
 * A deploy marker: tagged `deployment`, the environment and the color (so a dashboard's
 * `tags=deployment` annotation query shows it), and the entity.
 */
export type DeployMarker = {
  entityRef: string;
  /** Where it ran: the cluster's name. */
  environment: string;
  color: string;
  /** e.g. "Deployed v1.2.0 to green (production)". */
  text: string;
  time: Date;
};

/** The tags a marker is posted with. */
export const markerTags = (marker: DeployMarker) => [
  'deployment',
  marker.environment,
  marker.color,
  'blue-green',
  marker.entityRef,
];

/** Posts a deploy marker (an annotation) to Grafana. */
export async function annotateGrafana(
  grafana: NonNullable<BlueGreenConfig['grafana']>,
  marker: DeployMarker,
): Promise<void> {
  const response = await fetch(`${grafana.url}/api/annotations`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(grafana.token && { Authorization: `Bearer ${grafana.token}` }),
    },
    body: JSON.stringify({
      time: marker.time.getTime(),
      tags: markerTags(marker),
      text: marker.text,
      ...(grafana.dashboardUid && { dashboardUID: grafana.dashboardUid }),
    }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) {
    throw new Error(`Grafana answered ${response.status}`);
  }
}
