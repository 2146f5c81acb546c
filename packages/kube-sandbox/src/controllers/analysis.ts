import { Cluster } from './cluster';
export class AnalysisController {
  constructor(readonly cluster: Cluster, private url?: string) {}
  setPrometheusUrl(u: string | undefined) { this.url = u; }
}
