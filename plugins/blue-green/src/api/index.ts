export { blueGreenApiRef } from './BlueGreenApi';
export type { BlueGreenApi, MonitoringArtifact } from './BlueGreenApi';
export { BlueGreenClient } from './BlueGreenClient';
