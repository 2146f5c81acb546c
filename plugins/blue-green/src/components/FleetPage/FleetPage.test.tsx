import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { blueGreenApiRef } from '../../api';
import * as fixtures from '../../testing/fixtures';
import { backendError, FakeBlueGreenApi } from '../../testing/FakeBlueGreenApi';
import { FleetPage } from './FleetPage';

async function renderPage(api: FakeBlueGreenApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[blueGreenApiRef, api]]}>
      <FleetPage />
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    },
  );
}

const rowOf = (name: string) =>
  screen.getByRole('link', { name }).closest('tr') as HTMLElement;

describe('FleetPage', () => {
  it('lists every service with its live color, idle cost, checks and last switch', async () => {
    await renderPage(new FakeBlueGreenApi());
    expect(await screen.findByRole('link', { name: 'my-app' })).toHaveAttribute(
      'href',
      '/catalog/default/component/my-app/blue-green',
    );

    const myApp = within(rowOf('my-app'));
    expect(myApp.getByText('team-checkout')).toBeInTheDocument();
    expect(myApp.getByText('sandbox')).toBeInTheDocument();
    expect(myApp.getByText('service-selector')).toBeInTheDocument();
    expect(myApp.getByText('blue')).toBeInTheDocument();
    expect(myApp.getByText('idle v1.1.0')).toBeInTheDocument();
    expect(myApp.getByLabelText('idle green: 3 replicas')).toHaveTextContent(
      '3 × green0.75 CPU · 768 MiB',
    );
    expect(myApp.getByText('pre-deploy pass')).toBeInTheDocument();
    expect(myApp.getByText(/rollback green → blue/)).toBeInTheDocument();
    expect(myApp.getByText('ready to promote')).toBeInTheDocument();

    const mesh = within(rowOf('my-app-mesh'));
    expect(mesh.getByText('green')).toBeInTheDocument();
    expect(mesh.getByText(/watch running, \d:\d\d left/)).toBeInTheDocument();
    // No checklist engine answer for it: the column says so.
    expect(mesh.getAllByText('—').length).toBeGreaterThan(0);

    expect(screen.getByLabelText('fleet summary')).toHaveTextContent(
      '3 services · 1 waiting for promotion · 0 failing · idle colors hold 5 replicas requesting 1.25 CPU and 2.8 GiB',
    );
  });

  it('says when data is partial, and which cluster is down', async () => {
    await renderPage(new FakeBlueGreenApi());
    expect(
      await screen.findByText(/Partial data: cluster east could not be read/),
    ).toBeInTheDocument();
    const shop = within(rowOf('shop'));
    expect(shop.getByText('cluster unavailable')).toBeInTheDocument();
    expect(
      shop.getByText('cluster east is unavailable: connect ECONNREFUSED'),
    ).toBeInTheDocument();
  });

  it('shows no banner when every cluster answered', async () => {
    const api = new FakeBlueGreenApi();
    api.fleet = fixtures.fleet({
      partial: false,
      clusters: [{ name: 'sandbox', status: 'ok' }],
    });
    await renderPage(api);
    await screen.findByRole('link', { name: 'my-app' });
    expect(screen.queryByText(/Partial data/)).toBeNull();
  });

  it('filters by search text', async () => {
    await renderPage(new FakeBlueGreenApi());
    await screen.findByRole('link', { name: 'my-app' });
    await userEvent.type(screen.getByPlaceholderText('Filter'), 'mesh');
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'my-app' })).toBeNull(),
    );
    expect(screen.getByRole('link', { name: 'my-app-mesh' })).toBeVisible();
  });

  it('scales down the selected idle colors and shows the result per service', async () => {
    const api = new FakeBlueGreenApi();
    api.onScaleDownFleet = async request => ({
      results: request.entityRefs.map(entityRef =>
        entityRef.endsWith('/my-app')
          ? { entityRef, outcome: 'scaled', color: 'green', replicas: 0 }
          : {
              entityRef,
              outcome: 'denied',
              color: 'blue',
              message:
                'user:default/guest may not scale component:default/my-app-mesh',
            },
      ),
    });
    await renderPage(api);
    await screen.findByRole('link', { name: 'my-app' });
    const button = screen.getByRole('button', {
      name: /Scale down idle colors/,
    });
    expect(button).toBeDisabled();
    // An unavailable service has no idle color to scale.
    expect(screen.getByLabelText('select shop')).toBeDisabled();

    await userEvent.click(screen.getByLabelText('select my-app'));
    await userEvent.click(screen.getByLabelText('select my-app-mesh'));
    await userEvent.click(
      screen.getByRole('button', { name: 'Scale down idle colors (2)' }),
    );
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveTextContent('freeing 5 replicas (1.25 CPU, 2.8 GiB');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Reason' }),
      'end of release',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Scale down' }),
    );
    expect(
      await within(dialog).findByTestId('scale-down-result-my-app'),
    ).toHaveTextContent('scaled down (green → 0)');
    expect(
      within(dialog).getByTestId('scale-down-result-my-app-mesh'),
    ).toHaveTextContent('not allowed (blue)');
    expect(
      within(dialog).getByText(
        'user:default/guest may not scale component:default/my-app-mesh',
      ),
    ).toBeInTheDocument();
    expect(api.calls.find(c => c.method === 'scaleDownFleet')!.args).toEqual([
      {
        entityRefs: [
          'component:default/my-app',
          'component:default/my-app-mesh',
        ],
        reason: 'end of release',
      },
    ]);

    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    // A change was made: the fleet is read again, past the backend's cache.
    await waitFor(() =>
      expect(
        api.calls.filter(c => c.method === 'getFleet').map(c => c.args[0]),
      ).toContainEqual({ refresh: true }),
    );
  });

  it('shows the backend error when the fleet cannot be loaded', async () => {
    const api = new FakeBlueGreenApi();
    api.fleet = await backendError(503, 'catalog unavailable');
    await renderPage(api);
    expect(
      await screen.findByText(/Could not load the fleet/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('catalog unavailable (HTTP 503)'),
    ).toBeInTheDocument();
  });
});
