export { default } from './alpha/plugin';
export { blueGreenApi, entityBlueGreenContent } from './alpha/plugin';
