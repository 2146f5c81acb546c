export { blueGreenPlugin as default } from './plugin';
