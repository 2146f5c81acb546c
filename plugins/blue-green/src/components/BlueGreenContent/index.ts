export { BlueGreenContent } from './BlueGreenContent';
