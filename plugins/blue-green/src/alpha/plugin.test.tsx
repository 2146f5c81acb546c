import { Entity } from '@backstage/catalog-model';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import plugin, {
  blueGreenFleetPage,
  entityBlueGreenCard,
  entityBlueGreenContent,
} from './plugin';

describe('alpha blue-green plugin', () => {
  it('mounts a Blue/Green tab at /blue-green', () => {
    const tester = createExtensionTester(entityBlueGreenContent);
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Blue/Green',
    );
    expect(plugin.id).toBe('blue-green');
  });

  it('only shows the tab for entities with the strategy annotation', () => {
    const tester = createExtensionTester(entityBlueGreenContent);
    const predicate = tester.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    )!;
    expect(predicate).toBeInstanceOf(Function);
    const make = (annotations?: Record<string, string>): Entity => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'x', annotations },
    });
    expect(
      predicate(make({ 'blue-green.backstage.io/strategy': 'istio' })),
    ).toBe(true);
    expect(predicate(make({ 'backstage.io/kubernetes-id': 'x' }))).toBe(false);
  });

  it('offers an overview card for the same entities', () => {
    const tester = createExtensionTester(entityBlueGreenCard);
    const predicate = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(
      predicate({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'x',
          annotations: { 'blue-green.backstage.io/strategy': 'istio' },
        },
      }),
    ).toBe(true);
  });

  it('offers the fleet page at /blue-green with a nav item', () => {
    const tester = createExtensionTester(blueGreenFleetPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/blue-green');
    expect(tester.get(coreExtensionData.title)).toBe('Blue/Green');
    expect(tester.get(coreExtensionData.icon)).toBeDefined();
  });
});
