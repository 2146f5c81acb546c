import { BlueGreenConfig } from '../config';

/** Posts a deploy marker (an annotation) to Grafana. */
export async function annotateGrafana(
  grafana: NonNullable<BlueGreenConfig['grafana']>,
  marker: { entityRef: string; text: string; time: Date },
): Promise<void> {
  const response = await fetch(`${grafana.url}/api/annotations`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(grafana.token && { Authorization: `Bearer ${grafana.token}` }),
    },
    body: JSON.stringify({
      time: marker.time.getTime(),
      tags: ['blue-green', marker.entityRef],
      text: marker.text,
      ...(grafana.dashboardUid && { dashboardUID: grafana.dashboardUid }),
    }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) {
    throw new Error(`Grafana answered ${response.status}`);
  }
}
