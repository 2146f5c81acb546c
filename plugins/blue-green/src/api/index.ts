export { blueGreenApiRef } from './BlueGreenApi';
export type { BlueGreenApi } from './BlueGreenApi';
export { BlueGreenClient } from './BlueGreenClient';
