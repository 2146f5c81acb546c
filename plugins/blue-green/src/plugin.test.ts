import { Entity } from '@backstage/catalog-model';
import {
  BlueGreenFleetPage,
  blueGreenPlugin,
  EntityBlueGreenContent,
  isBlueGreenAvailable,
} from './plugin';

const entity = (annotations?: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-app', annotations },
});

describe('legacy blueGreenPlugin', () => {
  it('has the plugin id and provides its API', () => {
    expect(blueGreenPlugin.getId()).toBe('blue-green');
    expect([...blueGreenPlugin.getApis()].map(f => f.api.id)).toEqual([
      'plugin.blue-green.service',
    ]);
    expect(EntityBlueGreenContent).toBeDefined();
    expect(BlueGreenFleetPage).toBeDefined();
    expect(Object.keys(blueGreenPlugin.routes)).toEqual(['root', 'fleet']);
  });

  it('offers the tab only to annotated entities', () => {
    expect(
      isBlueGreenAvailable(
        entity({ 'blue-green.backstage.io/strategy': 'istio' }),
      ),
    ).toBe(true);
    expect(isBlueGreenAvailable(entity())).toBe(false);
  });
});
