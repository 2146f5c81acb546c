import { Cluster } from './cluster';
export class RolloutController {
  constructor(readonly cluster: Cluster) {}
}
