export { default } from './alpha/plugin';
export {
  blueGreenApi,
  entityBlueGreenCard,
  entityBlueGreenContent,
} from './alpha/plugin';
