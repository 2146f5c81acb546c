import { ConflictError } from '@backstage/errors';
import { BlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubeObject,
  SentRequest,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { serviceSelectorObjects } from '../../__testUtils__/FakeKube';
import { PatchingKube } from '../../__testUtils__/PatchingKube';
import { istioStrategy as strategy } from './istioStrategy';

const target: BlueGreenTarget = {
  strategy: 'istio',
  namespace: 'default',
  name: 'my-app',
  colorLabel: 'color',
  healthPath: '/health',
  service: 'my-app',
  deployments: { blue: 'my-app-blue', green: 'my-app-green' },
  virtualService: 'my-app',
  destinationRule: 'my-app',
};

const destination = (subset: string, weight: number) => ({
  destination: { host: 'my-app', subset },
  weight,
});

function cluster(weights = { blue: 100, green: 0 }): PatchingKube {
  const { deployments } = serviceSelectorObjects('my-app');
  const virtualService: KubeObject = {
    metadata: { name: 'my-app', namespace: 'default', resourceVersion: '1' },
    spec: {
      hosts: ['my-app'],
      http: [
        {
          route: [
            destination('blue', weights.blue),
            destination('green', weights.green),
          ],
        },
      ],
    },
  };
  const destinationRule: KubeObject = {
    metadata: { name: 'my-app', namespace: 'default' },
    spec: {
      host: 'my-app',
      subsets: [
        { name: 'blue', labels: { color: 'blue' } },
        { name: 'green', labels: { color: 'green' } },
      ],
    },
  };
  return new PatchingKube('mesh', {
    deployments,
    virtualservices: [virtualService],
    destinationrules: [destinationRule],
  });
}

/** Someone else's write: new weights on a new copy of the VirtualService. */
function setWeights(kube: PatchingKube, blue: number, green: number) {
  const next = structuredClone(kube.objects.virtualservices[0]);
  next.spec.http[0].route[0].weight = blue;
  next.spec.http[0].route[1].weight = green;
  kube.objects.virtualservices = [next];
}

const weightsOf = (kube: PatchingKube) =>
  kube.objects.virtualservices[0].spec.http[0].route.map(
    (r: any) => `${r.destination.subset} ${r.weight}`,
  );

describe('istioStrategy', () => {
  it('reads the live color, the facts and the traffic controls from the routes', async () => {
    const snapshot = await strategy.read(cluster(), target);
    expect(snapshot.live).toBe('blue');
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.facts).toEqual([
      { label: 'virtual service', value: 'my-app' },
      { label: 'destination rule', value: 'my-app' },
      { label: 'header route', value: 'off' },
      { label: 'mirror', value: 'off' },
    ]);
    expect(snapshot.trafficControls).toEqual({});
    const split = await strategy.read(cluster({ blue: 50, green: 50 }), target);
    expect(split.live).toBe('split');
    expect(split.colors.green).toMatchObject({ role: 'split', weight: 50 });
  });

  it('shifts in steps, each a compare-and-swap on the weights the last one wrote', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    const sent: SentRequest[] = [];
    const steps: number[] = [];
    await strategy.switchTo(
      kube,
      target,
      before,
      {
        action: 'promote',
        from: 'blue',
        to: 'green',
        steps: [10, 100],
        stepIntervalMs: 0,
        switchId: 'h1',
        beforeStep: async (_i, weight) => {
          steps.push(weight);
          expect(weightsOf(kube)).toEqual(['blue 90', 'green 10']);
        },
      },
      sent,
    );
    expect(steps).toEqual([100]);
    expect(weightsOf(kube)).toEqual(['blue 0', 'green 100']);
    expect(sent.map(s => s.description)).toEqual([
      'PATCH virtualservices/my-app (green 10%)',
      'PATCH virtualservices/my-app (green 100%)',
    ]);
    const after = await strategy.read(kube, target);
    expect([after.live, after.switchId]).toEqual(['green', 'h1']);
  });

  it('refuses a shift on weights that moved since the read, writing nothing', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    setWeights(kube, 80, 20);
    const sent: SentRequest[] = [];
    await expect(
      strategy.switchTo(
        kube,
        target,
        before,
        { action: 'promote', from: 'blue', to: 'green' },
        sent,
      ),
    ).rejects.toThrow(ConflictError);
    expect(sent).toEqual([]);
    expect(weightsOf(kube)).toEqual(['blue 80', 'green 20']);
  });

  it('puts the weights a stopped shift started from back', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    setWeights(kube, 90, 10);
    const now = await strategy.read(kube, target);
    await strategy.restore!(kube, target, before, now, []);
    expect(weightsOf(kube)).toEqual(['blue 100', 'green 0']);
  });

  it('adds a header route to the idle color, and mirrors to it', async () => {
    const kube = cluster();
    await strategy.setPreviewRoute!(
      kube,
      target,
      await strategy.read(kube, target),
      true,
    );
    await strategy.setMirror!(kube, target, await strategy.read(kube, target), {
      enabled: true,
      percent: 20,
    });
    const snapshot = await strategy.read(kube, target);
    expect(snapshot.trafficControls).toEqual({
      previewRoute: { header: 'x-canary', value: 'true', color: 'green' },
      mirror: { color: 'green', percent: 20 },
    });
    expect(snapshot.live).toBe('blue');
    expect(snapshot.colors.green.preview?.description).toBe(
      'requests with header x-canary: true',
    );
  });
});
