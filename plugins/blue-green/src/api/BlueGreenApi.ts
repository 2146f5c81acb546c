import { createApiRef } from '@backstage/core-plugin-api';
import { HealthResponse } from '@bluegreen-backstage/plugin-blue-green-common';

/**
 * Talks to the Blue/Green backend plugin (`/api/blue-green`).
 *
 * @public
 */
export interface BlueGreenApi {
  getHealth(): Promise<HealthResponse>;
}

/** @public */
export const blueGreenApiRef = createApiRef<BlueGreenApi>({
  id: 'plugin.blue-green.service',
});
