import { bindingProblem, normalizeEntityRef } from './binding';

const service = (annotations?: Record<string, string>) => ({
  kind: 'Service',
  namespace: 'default',
  name: 'my-app',
  annotations,
});

describe('bindingProblem', () => {
  it('accepts an object bound to the entity, however the ref is written', () => {
    for (const declared of [
      'component:default/my-app',
      'Component:default/My-App',
      'my-app',
      ' component:my-app ',
    ]) {
      expect(
        bindingProblem(
          service({ 'blue-green.backstage.io/entity': declared }),
          'component:default/my-app',
        ),
      ).toBeUndefined();
    }
  });

  it('names the entity the object belongs to', () => {
    expect(
      bindingProblem(
        service({
          'blue-green.backstage.io/entity': 'component:default/payments',
        }),
        'component:default/my-app',
      ),
    ).toBe(
      'Service default/my-app belongs to component:default/payments, not to component:default/my-app (annotation blue-green.backstage.io/entity)',
    );
  });

  it('refuses an object bound to no entity, and says how to bind it', () => {
    expect(bindingProblem(service(), 'component:default/my-app')).toBe(
      'Service default/my-app is not bound to any entity: annotate it blue-green.backstage.io/entity=component:default/my-app if it belongs to component:default/my-app',
    );
    expect(
      bindingProblem(
        service({ 'blue-green.backstage.io/entity': ' ' }),
        'component:default/my-app',
      ),
    ).toContain('is not bound to any entity');
  });

  it('refuses an annotation that is not an entity ref', () => {
    expect(
      bindingProblem(
        service({ 'blue-green.backstage.io/entity': 'a:b:c/d/e' }),
        'component:default/my-app',
      ),
    ).toContain('belongs to "a:b:c/d/e", not to component:default/my-app');
  });
});

describe('normalizeEntityRef', () => {
  it('fills in kind and namespace and lower-cases', () => {
    expect(normalizeEntityRef('My-App')).toBe('component:default/my-app');
    expect(normalizeEntityRef('team-checkout', { defaultKind: 'group' })).toBe(
      'group:default/team-checkout',
    );
    expect(normalizeEntityRef('a:b:c/d/e')).toBeUndefined();
  });
});
