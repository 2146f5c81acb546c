import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { blueGreenApiRef } from '../../api';
import * as fixtures from '../../testing/fixtures';
import { FakeBlueGreenApi } from '../../testing/FakeBlueGreenApi';
import { EntityBlueGreenCard } from './EntityBlueGreenCard';

describe('EntityBlueGreenCard', () => {
  it('summarises the live color, both versions and whether promote is possible', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[blueGreenApiRef, new FakeBlueGreenApi()]]}>
        <EntityProvider entity={fixtures.entity}>
          <EntityBlueGreenCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText('ready to promote green')).toBeTruthy();
    expect(screen.getByText('v1.0.0')).toBeInTheDocument();
    expect(screen.getByText('v1.1.0')).toBeInTheDocument();
    expect(screen.getByText('live')).toBeInTheDocument();
  });
});
