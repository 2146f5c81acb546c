import { createRouteRef } from '@backstage/core-plugin-api';

export const rootRouteRef = createRouteRef({ id: 'blue-green' });

/** The fleet page (`/blue-green` in the demo app). */
export const fleetRouteRef = createRouteRef({ id: 'blue-green:fleet' });
