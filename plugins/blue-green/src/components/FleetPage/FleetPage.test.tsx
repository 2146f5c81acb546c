import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { FleetResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { blueGreenApiRef } from '../../api';
import * as fixtures from '../../testing/fixtures';
import { backendError, FakeBlueGreenApi } from '../../testing/FakeBlueGreenApi';
import { FleetPage } from './FleetPage';
import { FIRST_FRAME_ROWS } from './FleetTable';

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

/** Service names in the order the table shows them. */
const shownNames = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map(row => within(row).queryAllByRole('link')[0]?.textContent);

const checkbox = (name: string) =>
  within(rowOf(name)).getByRole('checkbox') as HTMLInputElement;

/** A fleet with one row per incident kind, plus calm ones, in the backend's order. */
function fleetWithIncidents(): FleetResponse {
  const base = fixtures.fleet();
  const row = fixtures.fleetRow;
  return {
    ...base,
    rows: [
      row({
        name: 'payments',
        status: 'failing',
        firing: ['5xx ratio'],
      }),
      row({
        name: 'checkout',
        status: 'rolled-back',
        lastSwitch: {
          action: 'auto-rollback',
          actor: 'plugin:blue-green',
          from: 'green',
          to: 'blue',
          outcome: 'succeeded',
          createdAt: new Date(Date.now() - 120_000).toISOString(),
          reason: 'automatic rollback: 5xx ratio 2.2 % > 1 %',
        },
      }),
      ...base.rows.filter(r => r.name === 'shop'),
      row({ name: 'cart', status: 'checks-failing', preDeploy: 'fail' }),
      row({ name: 'my-app', status: 'waiting', preDeploy: 'pass' }),
      row({ name: 'search', status: 'checks-pending', preDeploy: 'pending' }),
      row({ name: 'docs', status: 'stable' }),
    ],
  };
}

describe('FleetPage', () => {
  it('lists every service with its live color, idle cost, checks and last switch', async () => {
    await renderPage(new FakeBlueGreenApi());
    expect(await screen.findByRole('link', { name: 'my-app' })).toHaveAttribute(
      'href',
      '/catalog/default/component/my-app/blue-green',
    );

    const myApp = within(rowOf('my-app'));
    expect(
      myApp.getByText('team-checkout · service-selector'),
    ).toBeInTheDocument();
    expect(myApp.getByText('sandbox')).toBeInTheDocument();
    expect(
      myApp.getByTestId('live-component:default/my-app@sandbox'),
    ).toHaveTextContent('blue');
    expect(myApp.getByText('idle green v1.1.0')).toBeInTheDocument();
    expect(myApp.getByLabelText('idle green: 3 replicas')).toHaveTextContent(
      '3 × green0.75 CPU · 768 MiB',
    );
    expect(myApp.getByText('pre-deploy pass')).toBeInTheDocument();
    expect(myApp.getByText(/rollback green → blue/)).toBeInTheDocument();
    expect(myApp.getByText('ready to promote')).toBeInTheDocument();

    const mesh = within(rowOf('my-app-mesh'));
    expect(mesh.getByText(/watch running, \d:\d\d left/)).toBeInTheDocument();

    expect(screen.getByLabelText('fleet summary')).toHaveTextContent(
      '3 services · 1 need attention (1 unreachable) · 1 watch running · 1 ready to promote · idle colors hold 5 replicas requesting 1.25 CPU and 2.8 GiB',
    );
  });

  it('shows incidents first, each with the one reason that matters, and filters to them', async () => {
    const api = new FakeBlueGreenApi();
    api.fleet = fleetWithIncidents();
    await renderPage(api);
    await screen.findByRole('link', { name: 'payments' });

    expect(shownNames()).toEqual([
      'payments',
      'checkout',
      'shop',
      'cart',
      'my-app',
      'search',
      'docs',
    ]);
    expect(within(rowOf('payments')).getByText('failing')).toBeInTheDocument();
    expect(
      within(rowOf('payments')).getByText('watch: 5xx ratio'),
    ).toBeInTheDocument();
    expect(
      within(rowOf('checkout')).getByText(
        /^automatically 2 minutes ago: 5xx ratio 2\.2 % > 1 %$/,
      ),
    ).toBeInTheDocument();
    expect(
      within(rowOf('shop')).getByText('cluster unreachable'),
    ).toBeInTheDocument();
    // Status and Checks agree: pending checks are never "ready to promote".
    expect(
      within(rowOf('search')).getByText('checks pending'),
    ).toBeInTheDocument();
    expect(
      within(rowOf('search')).getByText('pre-deploy pending'),
    ).toBeInTheDocument();

    const summary = screen.getByLabelText('fleet summary');
    expect(summary).toHaveTextContent(
      '4 need attention (1 failing, 1 rolled back, 1 unreachable, 1 checks failing)',
    );
    await userEvent.click(
      within(summary).getByRole('button', { name: /4 need attention/ }),
    );
    await waitFor(() =>
      expect(shownNames()).toEqual(['payments', 'checkout', 'shop', 'cart']),
    );
  });

  it('says when data is partial, and which cluster is down', async () => {
    await renderPage(new FakeBlueGreenApi());
    expect(
      await screen.findByText(/Partial data: cluster east could not be read/),
    ).toBeInTheDocument();
    const shop = within(rowOf('shop'));
    expect(shop.getByText('cluster unreachable')).toBeInTheDocument();
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
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search' }),
      'mesh',
    );
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'my-app' })).toBeNull(),
    );
    expect(screen.getByRole('link', { name: 'my-app-mesh' })).toBeVisible();
  });

  it('lets only the rows this user may scale be selected, and says why the others may not', async () => {
    await renderPage(new FakeBlueGreenApi());
    await screen.findByRole('link', { name: 'my-app' });
    expect(checkbox('my-app')).toBeEnabled();
    expect(checkbox('my-app-mesh')).toBeDisabled();
    expect(
      within(rowOf('my-app-mesh')).getByTitle(
        'you may not scale component:default/my-app-mesh (permission blue-green.scale); its owners may: team-payments',
      ),
    ).toHaveTextContent('you may not scale it');
    // An unreachable service has no idle color to scale.
    expect(checkbox('shop')).toBeDisabled();
    // Still a link: only the selection is disabled.
    expect(screen.getByRole('link', { name: 'my-app-mesh' })).toHaveAttribute(
      'href',
      '/catalog/default/component/my-app-mesh/blue-green',
    );
  });

  it('keeps the selection when the fleet reloads', async () => {
    const api = new FakeBlueGreenApi();
    api.fleet = fleetWithIncidents();
    await renderPage(api);
    await screen.findByRole('link', { name: 'my-app' });
    await userEvent.click(checkbox('my-app'));
    await userEvent.click(checkbox('docs'));
    expect(
      screen.getByRole('button', { name: 'Scale down idle colors (2)' }),
    ).toBeEnabled();

    // A new answer (new objects, and docs now fails, so it moves up) arrives.
    const next = fleetWithIncidents();
    api.fleet = {
      ...next,
      rows: next.rows.map(r =>
        r.name === 'docs' ? { ...r, status: 'failing' } : r,
      ),
    };
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(shownNames().slice(0, 2)).toContain('docs'));
    expect(checkbox('my-app')).toBeChecked();
    expect(checkbox('docs')).toBeChecked();
    expect(
      screen.getByRole('button', { name: 'Scale down idle colors (2)' }),
    ).toBeEnabled();
  });

  it('draws the rows on screen first when other rows replace the page, and a reload at once', async () => {
    const api = new FakeBlueGreenApi();
    const base = fixtures.fleet();
    api.fleet = {
      ...base,
      rows: Array.from({ length: 40 }, (_, i) =>
        fixtures.fleetRow({
          name: `svc-${String(i).padStart(2, '0')}`,
          status: 'stable',
        }),
      ),
    };
    const getFleet = jest.spyOn(api, 'getFleet');
    const { container } = await renderPage(api);
    const drawnRows = () =>
      container.querySelectorAll('[aria-label="Blue/green services"] tbody tr')
        .length;
    await waitFor(() => expect(drawnRows()).toBe(20));

    // The next page: 8 rows in the first frame, the page's 20 in the next.
    await userEvent.click(
      screen.getByRole('button', { name: /next table page/i }),
    );
    expect(drawnRows()).toBe(FIRST_FRAME_ROWS);
    expect(shownNames()[0]).toBe('svc-20');
    await waitFor(() => expect(drawnRows()).toBe(20));

    // A reload of the same rows draws them all at once.
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(getFleet).toHaveBeenCalledTimes(2));
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Refresh' })).toBeEnabled(),
    );
    expect(drawnRows()).toBe(20);
  });

  it('says before confirming which services will be scaled down, and scales only those', async () => {
    const api = new FakeBlueGreenApi();
    api.fleet = fleetWithIncidents();
    // docs' owners changed since the page loaded: the dry run says so.
    api.onScaleDownFleet = async request => ({
      ...(request.dryRun && { dryRun: true }),
      results: request.entityRefs.map(entityRef =>
        entityRef.endsWith('/docs')
          ? {
              entityRef,
              outcome: 'denied',
              color: 'green',
              message: 'you may not scale component:default/docs',
            }
          : { entityRef, outcome: 'scaled', color: 'green', replicas: 0 },
      ),
    });
    await renderPage(api);
    await screen.findByRole('link', { name: 'my-app' });
    await userEvent.click(checkbox('my-app'));
    await userEvent.click(checkbox('docs'));
    await userEvent.click(
      screen.getByRole('button', { name: 'Scale down idle colors (2)' }),
    );
    const dialog = screen.getByRole('dialog');
    expect(
      await within(dialog).findByTestId('scale-down-result-docs'),
    ).toHaveTextContent('not allowed');
    expect(
      within(dialog).getByTestId('scale-down-result-my-app'),
    ).toHaveTextContent('will be scaled down');
    expect(dialog).toHaveTextContent(
      'Scales the idle color of 1 of 2 selected services to 0 replicas, freeing 3 replicas (0.75 CPU, 768 MiB requested)',
    );
    // Nothing was scaled by looking.
    expect(
      api.calls.filter(c => c.method === 'scaleDownFleet').map(c => c.args[0]),
    ).toEqual([
      {
        entityRefs: ['component:default/my-app', 'component:default/docs'],
        dryRun: true,
      },
    ]);

    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Reason' }),
      'end of release',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Scale down 1' }),
    );
    expect(
      await within(dialog).findByText('scaled down', { exact: false }),
    ).toBeInTheDocument();
    expect(
      api.calls.filter(c => c.method === 'scaleDownFleet')[1].args,
    ).toEqual([
      { entityRefs: ['component:default/my-app'], reason: 'end of release' },
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
