import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { BlueGreenContent } from './BlueGreenContent';

const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-app', annotations },
  spec: { type: 'service', owner: 'team-checkout', lifecycle: 'production' },
});

describe('BlueGreenContent', () => {
  it("shows where the entity's colors live", async () => {
    await renderInTestApp(
      <EntityProvider
        entity={entity({
          'blue-green.backstage.io/strategy': 'service-selector',
          'backstage.io/kubernetes-id': 'my-app',
        })}
      >
        <BlueGreenContent />
      </EntityProvider>,
    );

    expect(screen.getByText('service-selector')).toBeInTheDocument();
    expect(screen.getByText('my-app-blue')).toBeInTheDocument();
    expect(screen.getByText('my-app-green')).toBeInTheDocument();
  });

  it('says which annotation to fix', async () => {
    await renderInTestApp(
      <EntityProvider
        entity={entity({ 'blue-green.backstage.io/strategy': 'canary' })}
      >
        <BlueGreenContent />
      </EntityProvider>,
    );

    expect(
      screen.getByText(/This entity is not set up for blue\/green switches/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/blue-green.backstage.io\/strategy is "canary"/),
    ).toBeInTheDocument();
  });
});
