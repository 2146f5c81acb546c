import { Entity } from '@backstage/catalog-model';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import plugin, { entityBlueGreenContent } from './plugin';

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
});
