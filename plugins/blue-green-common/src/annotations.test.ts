import { Entity } from '@backstage/catalog-model';
import {
  BLUE_GREEN_ANNOTATIONS,
  isBlueGreenEntity,
  isBlueGreenStrategy,
} from './annotations';

const entity = (annotations?: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-app', annotations },
});

describe('isBlueGreenEntity', () => {
  it('accepts entities that carry the strategy annotation', () => {
    expect(
      isBlueGreenEntity(
        entity({ [BLUE_GREEN_ANNOTATIONS.strategy]: 'service-selector' }),
      ),
    ).toBe(true);
  });

  it('rejects entities without it', () => {
    expect(isBlueGreenEntity(entity())).toBe(false);
    expect(
      isBlueGreenEntity(entity({ 'backstage.io/kubernetes-id': 'my-app' })),
    ).toBe(false);
  });
});

describe('isBlueGreenStrategy', () => {
  it.each(['service-selector', 'argo-rollouts', 'istio'])('knows %s', s =>
    expect(isBlueGreenStrategy(s)).toBe(true),
  );
  it.each(['', 'canary', 'Istio', undefined, 3])('rejects %p', s =>
    expect(isBlueGreenStrategy(s)).toBe(false),
  );
});
