export { default } from './alpha/plugin';
export {
  blueGreenApi,
  blueGreenFleetPage,
  entityBlueGreenCard,
  entityBlueGreenContent,
} from './alpha/plugin';
