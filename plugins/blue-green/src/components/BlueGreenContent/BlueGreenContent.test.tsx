import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { blueGreenApiRef } from '../../api';
import * as fixtures from '../../testing/fixtures';
import { backendError, FakeBlueGreenApi } from '../../testing/FakeBlueGreenApi';
import { BlueGreenContent } from './BlueGreenContent';

let denials = 0;

async function renderTab(
  api: FakeBlueGreenApi,
  options: { deny?: string[]; entity?: Entity } = {},
) {
  // usePermission caches answers per entity (SWR) across tests: tests that deny use their own
  // entity namespace, so that no earlier test's ALLOW is reused.
  const base = options.entity ?? fixtures.entity;
  const entity = options.deny
    ? {
        ...base,
        metadata: { ...base.metadata, namespace: `denied-${++denials}` },
      }
    : base;
  const permissionApi = mockApis.permission({
    authorize: request =>
      options.deny?.includes(request.permission.name)
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [blueGreenApiRef, api],
        [permissionApiRef, permissionApi],
      ]}
    >
      <EntityProvider entity={entity}>
        <BlueGreenContent />
      </EntityProvider>
    </TestApiProvider>,
    // Actors link to their catalog pages.
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

/** The header's next-action button, e.g. "Promote green v1.1.0…". */
const promoteButton = async () =>
  within(await screen.findByTestId('answer-next')).findByRole('button', {
    name: /^Promote green/,
  });

/** Opens one of the detail card tabs below the header. */
const openTab = async (name: string) =>
  userEvent.click(await screen.findByRole('tab', { name }));

/** Unfolds the checks that pass (folded below the ones that need attention). */
const unfoldPassing = async () => {
  const fold = await screen.findByRole('button', { name: /checks? pass/ });
  if (fold.getAttribute('aria-expanded') !== 'true')
    await userEvent.click(fold);
};

describe('BlueGreenContent', () => {
  it("shows the header's shape while the status loads", async () => {
    const api = new FakeBlueGreenApi();
    api.status = 'pending';
    await renderTab(api);
    expect(screen.getByText('loading the status…')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'blue environment' })).toBe(
      null,
    );
  });

  it('names the missing annotation', async () => {
    await renderTab(new FakeBlueGreenApi(), {
      entity: {
        ...fixtures.entity,
        metadata: { name: 'plain', annotations: {} },
      },
    });
    expect(screen.getByText(/Missing Annotation/)).toBeInTheDocument();
    expect(
      screen.getAllByText(/blue-green.backstage.io\/strategy/).length,
    ).toBeGreaterThan(0);
  });

  it('says which annotation value to fix', async () => {
    await renderTab(new FakeBlueGreenApi(), {
      entity: {
        ...fixtures.entity,
        metadata: {
          name: 'x',
          annotations: { 'blue-green.backstage.io/strategy': 'canary' },
        },
      },
    });
    expect(
      screen.getByText(/blue-green.backstage.io\/strategy is "canary"/),
    ).toBeInTheDocument();
  });

  it('shows both environments side by side when green is ready', async () => {
    const api = new FakeBlueGreenApi();
    api.history = fixtures.history([
      { action: 'promote', from: 'green', to: 'blue', reason: 'v1.0.0' },
    ]);
    await renderTab(api);

    // The header answers first: live with its version, idle ready, the last switch, promote next.
    expect(await screen.findByTestId('answer-live')).toHaveTextContent(
      'blue v1.0.0',
    );
    expect(screen.getByTestId('answer-idle')).toHaveTextContent(
      'green v1.1.0 is ready: 3/3 pods, checks pass',
    );
    expect(await screen.findByTestId('answer-last')).toHaveTextContent(
      /promoted to blue by user:default\/guest/,
    );
    expect(await promoteButton()).toHaveTextContent('Promote green v1.1.0…');

    const blue = await screen.findByRole('region', {
      name: 'blue environment',
    });
    const green = screen.getByRole('region', { name: 'green environment' });
    expect(within(blue).getByText('v1.0.0')).toBeInTheDocument();
    expect(within(blue).getByText('live')).toBeInTheDocument();
    expect(within(blue).getByText('3/3 ready')).toBeInTheDocument();
    expect(within(green).getByText('my-app:v1.1.0')).toBeInTheDocument();
    expect(within(green).getByText('idle')).toBeInTheDocument();
    expect(within(green).getAllByText('Ready')).toHaveLength(3);
    expect(
      screen.getByRole('img', { name: 'traffic split: blue 100 %, green 0 %' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/cluster sandbox/)).toBeInTheDocument();

    expect(await promoteButton()).toBeEnabled();
    // checklist grouped by category, observed against threshold; what passes is folded
    await openTab('Checklist');
    await unfoldPassing();
    expect(await screen.findByText('Infrastructure')).toBeInTheDocument();
    expect(screen.getByText('Application')).toBeInTheDocument();
    const cpu = screen.getByTestId('check-cpu');
    expect(within(cpu).getByText('12 %')).toBeInTheDocument();
    expect(within(cpu).getByText('needs < 80 %')).toBeInTheDocument();
    const smoke = screen.getByTestId('check-smoke-test');
    expect(within(smoke).getByText(/guest/)).toBeInTheDocument();
    expect(within(smoke).getByText(/run 42 green/)).toBeInTheDocument();
    // history
    await openTab('History');
    expect(await screen.findByText('v1.0.0', { selector: 'td' })).toBeTruthy();
  });

  it('explains why promote is disabled while green is not ready, and opens the diagnostics', async () => {
    const api = new FakeBlueGreenApi();
    const reason =
      'green is not ready: 1/3 replicas ready (my-app-green-1: ImagePullBackOff)';
    api.status = fixtures.status({
      colors: {
        blue: fixtures.colorStatus('blue', { role: 'live' }),
        green: fixtures.colorStatus('green', { readyPods: 1 }),
      },
      promote: {
        allowed: false,
        target: 'green',
        reasons: [reason],
        forceable: true,
      },
    });
    api.diagnostics.colors.green.notReady = [
      {
        pod: 'my-app-green-6d4cf56db6-1',
        reason: 'ImagePullBackOff',
        message: 'Back-off pulling image "my-app:broken"',
      },
    ];
    await renderTab(api, { deny: ['blue-green.force'] });

    // The header names the one reason, and a stuck image pull is an error, not progress.
    expect(await screen.findByTestId('answer-idle')).toHaveTextContent(
      /green v1.1.0 not ready: 1\/3, ImagePullBackOff on/,
    );
    await openTab('Environments');
    const green = await screen.findByRole('region', {
      name: 'green environment',
    });
    expect(within(green).getByText('1/3 ready')).toBeInTheDocument();
    expect(within(green).getAllByText('ImagePullBackOff')).toHaveLength(2);
    // permissions are cached by usePermission (SWR) across tests: wait for this test's answer
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: /^Promote green/ }),
      ).toBeDisabled(),
    );
    expect(screen.getByText(reason)).toBeInTheDocument();
    expect(
      await screen.findByText(
        'only someone with the force permission may override this',
      ),
    ).toBeInTheDocument();
    await openTab('Diagnostics');
    expect(
      await screen.findByText(/Back-off pulling image "my-app:broken"/),
    ).toBeInTheDocument();
  });

  it('blocks promote on failing checks unless the user may force, and then asks to force', async () => {
    const api = new FakeBlueGreenApi();
    const reason = 'required check "Smoke test passed" is not signed off';
    api.status = fixtures.status({
      promote: {
        allowed: false,
        target: 'green',
        reasons: [reason],
        forceable: true,
      },
    });
    api.checklist = fixtures.checklistAwaitingSignOff({ status: 'fail' });
    await renderTab(api); // allowed everything, force included

    await openTab('Checklist');
    expect(await screen.findByText('2 of 3 required checks pass')).toBeTruthy();
    await openTab('Environments');
    const button = await screen.findByRole('button', {
      name: /^Promote green/,
    });
    expect(button).toBeEnabled();
    expect(screen.getByText('Allowed only with force:')).toBeInTheDocument();
    await userEvent.click(button);

    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(reason)).toBeInTheDocument();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'hotfix',
    );
    const confirm = within(dialog).getByRole('button', {
      name: 'Promote (force)',
    });
    expect(confirm).toBeDisabled();
    await userEvent.click(within(dialog).getByRole('checkbox'));
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);
    await waitFor(() => expect(api.calls[0]?.method).toBe('promote'));
    expect(api.calls[0].args[1]).toEqual({
      revision: 'rev-1',
      reason: 'hotfix',
      force: true,
    });
  });

  it('signs off a manual item with a note', async () => {
    const api = new FakeBlueGreenApi();
    api.checklist = fixtures.checklistAwaitingSignOff();
    await renderTab(api);
    // The header leads to the sign-off; the checklist tab is open on what is missing.
    expect(await screen.findByTestId('answer-idle')).toHaveTextContent(
      'green v1.1.0 is waiting for 1 sign-off',
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sign off Smoke test passed' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('checkbox')).toBeChecked();
    expect(dialog).toHaveTextContent('reset when it changes');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Note' }),
      'all green',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Sign off' }),
    );
    await waitFor(() =>
      expect(api.calls).toContainEqual({
        method: 'signOff',
        args: [
          { kind: 'Component', namespace: 'default', name: 'my-app' },
          'smoke-test',
          { note: 'all green' },
        ],
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBe(null));
    await unfoldPassing();
    expect(await screen.findByText(/all green/)).toBeInTheDocument();
    expect(
      screen.getByRole('button', {
        name: 'Withdraw sign-off of Smoke test passed',
      }),
    ).toBeEnabled();
  });

  it('signs off several items in one dialog with one note, from the header', async () => {
    const api = new FakeBlueGreenApi();
    api.checklist = fixtures.checklist({
      items: fixtures
        .checklist()
        .items.map(i =>
          i.id === 'smoke-test' || i.id === 'cpu'
            ? { ...i, kind: 'manual', status: 'pending', signOff: undefined }
            : i,
        ),
    });
    await renderTab(api);
    await userEvent.click(
      await within(await screen.findByTestId('answer-next')).findByRole(
        'button',
        { name: 'Sign off 2 items…' },
      ),
    );
    const dialog = await screen.findByRole('dialog');
    const boxes = within(dialog).getAllByRole('checkbox');
    expect(boxes).toHaveLength(2);
    for (const box of boxes) expect(box).toBeChecked();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Note' }),
      'release review',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Sign off 2 items' }),
    );
    await waitFor(() =>
      expect(api.calls.filter(c => c.method === 'signOff')).toHaveLength(2),
    );
    expect(
      api.calls
        .filter(c => c.method === 'signOff')
        .map(c => [c.args[1], c.args[2]]),
    ).toEqual([
      ['cpu', { note: 'release review' }],
      ['smoke-test', { note: 'release review' }],
    ]);
    expect(await screen.findByTestId('answer-idle')).toHaveTextContent(
      'green v1.1.0 is ready',
    );
  });

  it('opens the alert rules fetched with the user credentials, to copy or download', async () => {
    const api = new FakeBlueGreenApi();
    await renderTab(api);
    await openTab('Metrics');
    await userEvent.click(
      await screen.findByRole('button', { name: 'Prometheus alert rules…' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText(/"kind": "PrometheusRule"/),
    ).toBeInTheDocument();
    expect(api.calls).toContainEqual({
      method: 'getMonitoring',
      args: [
        { kind: 'Component', namespace: 'default', name: 'my-app' },
        'prometheus-rules',
      ],
    });
    expect(
      within(dialog).getByRole('button', { name: 'Download' }),
    ).toBeEnabled();
  });

  it('disables promote, rollback, scale and sign-off without permission', async () => {
    const api = new FakeBlueGreenApi();
    api.checklist = fixtures.checklistAwaitingSignOff();
    await renderTab(api, {
      deny: [
        'blue-green.promote',
        'blue-green.rollback',
        'blue-green.scale',
        'blue-green.force',
        'blue-green.sign-off',
      ],
    });
    // The header's next action (the sign-off) is disabled and says why.
    await waitFor(async () =>
      expect(
        within(await screen.findByTestId('answer-next')).getByRole('button', {
          name: /^Sign off/,
        }),
      ).toBeDisabled(),
    );
    expect(screen.getByTestId('answer-next')).toHaveTextContent(
      /you may not sign off checks of this entity/,
    );
    await openTab('Environments');
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: /^Promote green/ }),
      ).toBeDisabled(),
    );
    expect(
      screen.getByText(
        'you do not have permission to promote this entity (blue-green.promote)',
      ),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: /^Roll back to green/ }),
      ).toBeDisabled(),
    );
    const scaleBlue = screen.getByRole('button', { name: 'Scale blue' });
    expect(scaleBlue).toBeDisabled();
    expect(scaleBlue).toHaveAccessibleDescription(
      'You may not scale this entity (blue-green.scale); its owners can.',
    );
    await openTab('Checklist');
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Sign off Smoke test passed' }),
      ).toBeDisabled(),
    );
  });

  it('shows a stepper while promoting, then the verified result and the watch', async () => {
    const api = new FakeBlueGreenApi();
    let finish: (r: SwitchResponse) => void = () => {};
    let sent: SwitchRequest | undefined;
    api.onSwitch = (_action, request) => {
      sent = request;
      return new Promise(resolve => {
        finish = resolve;
      });
    };
    await renderTab(api);
    await userEvent.click(await promoteButton());
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/Live traffic moves from/),
    ).toHaveTextContent('Live traffic moves from blue → green');
    const confirm = within(dialog).getByRole('button', { name: 'Promote' });
    expect(confirm).toBeDisabled(); // a reason is required
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'release 1.1.0',
    );
    await userEvent.click(confirm);

    expect(await screen.findByText('Promote: blue → green')).toBeTruthy();
    expect(screen.getByText('switching…')).toBeInTheDocument();
    expect(screen.getByText('Switch traffic to green')).toBeInTheDocument();
    for (const button of screen.getAllByRole('button', {
      name: /^Promote green/,
    })) {
      expect(button).toBeDisabled();
    }
    expect(sent).toEqual({ revision: 'rev-1', reason: 'release 1.1.0' });

    const next = fixtures.promotedStatus(fixtures.watch());
    finish({
      entry: fixtures.history([{}])[0],
      verification: {
        verified: true,
        message: 'Endpoints hold only green pods',
      },
      status: next,
    });
    expect(
      await screen.findByText(/green is live\. Endpoints hold only green pods/),
    ).toBeInTheDocument();
    expect(screen.getAllByText('Post-deploy watch')).toHaveLength(2); // step and card
    expect(
      await screen.findByText('watching the rollback criteria'),
    ).toBeTruthy();
  });

  it("offers what the strategy's capabilities say, whatever its name", async () => {
    const api = new FakeBlueGreenApi();
    // A strategy added by a backend module: only its facts and capabilities tell the tab about it.
    api.status = fixtures.status({
      strategy: 'cloud-load-balancer',
      capabilities: {
        ...fixtures.SERVICE_SELECTOR_CAPABILITIES,
        previewRoute: true,
      },
      facts: [{ label: 'target group', value: 'tg-my-app' }],
      trafficControls: {
        previewRoute: { header: 'x-preview', value: '1', color: 'green' },
      },
    });
    await renderTab(api);
    await openTab('Environments');
    expect(await screen.findByText('tg-my-app')).toBeInTheDocument();
    expect(
      screen.getByRole('checkbox', {
        name: 'Header route to the idle color (x-preview: 1)',
      }),
    ).toBeChecked();
    expect(screen.queryByRole('checkbox', { name: /Mirror/ })).toBe(null);
    await userEvent.click(await promoteButton());
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByRole('radio')).toBe(null);
    expect(within(dialog).queryByRole('checkbox', { name: /Full/ })).toBe(null);
  });

  it('offers Istio step plans and sends the chosen steps', async () => {
    const api = new FakeBlueGreenApi();
    api.status = fixtures.status({
      strategy: 'istio',
      capabilities: fixtures.ISTIO_CAPABILITIES,
      details: {
        strategy: 'istio',
        virtualService: 'my-app',
        destinationRule: 'my-app',
      },
    });
    await renderTab(api);
    await userEvent.click(await promoteButton());
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('radio', { name: '10 % → 50 % → 100 %' }),
    );
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'stepped',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Promote' }),
    );
    await waitFor(() => expect(api.calls[0]?.method).toBe('promote'));
    expect(api.calls[0].args[1]).toEqual({
      revision: 'rev-1',
      reason: 'stepped',
      steps: [10, 50, 100],
      stepIntervalSeconds: 10,
    });
  });

  it('shows the running watch with its criteria and remaining time', async () => {
    const api = new FakeBlueGreenApi();
    api.status = fixtures.promotedStatus(fixtures.watch());
    await renderTab(api);
    expect(await screen.findByText('Post-deploy watch')).toBeInTheDocument();
    expect(screen.getByTestId('watch-remaining').textContent).toMatch(
      /^[34]:\d\d$/,
    );
    const errors = screen.getByTestId('criterion-error-rate');
    expect(within(errors).getByText('0.02 %')).toBeInTheDocument();
    expect(within(errors).getByText('> 1 %')).toBeInTheDocument();
    expect(within(errors).getByText('roll back')).toBeInTheDocument();
    expect(screen.getByText(/Automatic rollback on/)).toBeInTheDocument();
    expect(screen.getByTestId('answer-last')).toHaveTextContent(
      /promoted to green; watching, about 4 min left, no criterion failing/,
    );
    await openTab('Environments');
    const green = screen.getByRole('region', { name: 'green environment' });
    expect(within(green).getByText('live')).toBeInTheDocument();
  });

  it('shows an automatic rollback in the watch and the history', async () => {
    const api = new FakeBlueGreenApi();
    api.status = fixtures.status({
      revision: 'rev-3',
      // The automatic rollback marked green's version failed.
      failedVersion: {
        color: 'green',
        version: 'v1.1.0',
        images: ['my-app:v1.1.0'],
        reason: 'automatic rollback: 5xx rate 4.9 %',
        historyId: 'h9',
        by: 'blue-green-watch',
        at: new Date().toISOString(),
      },
      watch: fixtures.watch({
        state: 'rolled-back',
        result: '5xx rate 4.9 % above 1 % for 10 s',
        criteria: fixtures
          .watch()
          .criteria.map(c =>
            c.id === 'error-rate'
              ? { ...c, status: 'fail', observed: '4.9 %', firing: true }
              : c,
          ),
      }),
    });
    api.history = fixtures.history([
      {
        action: 'auto-rollback',
        from: 'green',
        to: 'blue',
        actor: 'blue-green-watch',
        reason: '5xx rate 4.9 % above 1 %',
      },
      { action: 'promote', reason: 'release 1.1.0' },
    ]);
    await renderTab(api);
    expect(
      await screen.findByText(
        /Rolled back to.*5xx rate 4.9 % above 1 % for 10 s/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('firing')).toBeInTheDocument();
    // The header says what happened, with the value against the threshold.
    expect(screen.getByTestId('answer-last')).toHaveTextContent(
      'green rolled back automatically: 5xx rate 4.9 % > 1 %',
    );
    expect(screen.getByTestId('answer-next')).toHaveTextContent(
      'Deploy a fixed version to green',
    );
    await openTab('History');
    const history = await screen.findByTestId('history');
    expect(
      await within(history).findByText('automatic rollback'),
    ).toBeInTheDocument();
    expect(within(history).getByText('blue-green-watch')).toBeInTheDocument();
    expect(within(history).getByText('2 entries')).toBeInTheDocument();
  });

  it("shows the backend's message when the status cannot be loaded", async () => {
    const api = new FakeBlueGreenApi();
    api.status = await backendError(
      503,
      'cluster sandbox is unreachable: connect ECONNREFUSED',
    );
    await renderTab(api);
    expect(await screen.findByTestId('answer-last')).toHaveTextContent(
      'cluster unreachable: cluster sandbox is unreachable: connect ECONNREFUSED (HTTP 503)',
    );
    expect(screen.getByTestId('answer-live')).toHaveTextContent('unknown');
    // Retry is the next action, and it loads again.
    api.status = fixtures.status();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('answer-live')).toHaveTextContent(
      'blue v1.0.0',
    );
  });

  it("shows the backend's message when a promote is refused", async () => {
    const api = new FakeBlueGreenApi();
    api.onSwitch = async () => {
      throw await backendError(
        409,
        'promote refused: the live state changed since revision rev-1',
      );
    };
    await renderTab(api);
    await userEvent.click(await promoteButton());
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'go',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Promote' }),
    );
    expect(
      await screen.findByText(
        /Promote failed: promote refused: the live state changed since revision rev-1 \(HTTP 409\)/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('failed')).toBeInTheDocument();
  });

  it('deploys a new image to the idle color from the dialog, with the revision it saw', async () => {
    const api = new FakeBlueGreenApi();
    await renderTab(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Deploy to green' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Deploy to green',
    });
    const image = within(dialog).getByRole('textbox', { name: /Image/ });
    // Prefilled with what green runs: unchanged, it cannot be deployed.
    expect(image).toHaveValue('my-app:v1.1.0');
    const confirm = within(dialog).getByRole('button', {
      name: 'Deploy to green',
    });
    expect(confirm).toBeDisabled();
    await userEvent.clear(image);
    await userEvent.type(image, 'my-app:1.2.0');
    expect(
      within(dialog).getByRole('textbox', { name: /Version/ }),
    ).toHaveAttribute('placeholder', '1.2.0');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'release 1.2.0',
    );
    await userEvent.click(confirm);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBe(null));
    expect(api.calls.filter(c => c.method === 'deploy')).toEqual([
      {
        method: 'deploy',
        args: [
          expect.anything(),
          { image: 'my-app:1.2.0', reason: 'release 1.2.0', revision: 'rev-1' },
        ],
      },
    ]);
  });

  it('says first that the idle version was rolled back, and why', async () => {
    const api = new FakeBlueGreenApi();
    api.status = fixtures.status({
      failedVersion: {
        color: 'green',
        version: 'v1.1.0',
        images: ['my-app:v1.1.0'],
        reason: 'automatic rollback: 5xx ratio 4.8 %',
        historyId: 'h9',
        by: 'blue-green-watch',
        at: new Date().toISOString(),
      },
      promote: {
        allowed: false,
        target: 'green',
        reasons: ['v1.1.0 on green was rolled back'],
        forceable: true,
      },
    });
    await renderTab(api);
    // The header says it, not "is ready", and the next step is a new version.
    expect(await screen.findByTestId('answer-idle')).toHaveTextContent(
      'green v1.1.0 was rolled back: automatic rollback: 5xx ratio 4.8 %',
    );
    expect(screen.getByTestId('answer-idle')).not.toHaveTextContent('ready');
    expect(screen.getByTestId('answer-next')).toHaveTextContent(
      'Deploy a fixed version to green',
    );
    expect(
      within(screen.getByTestId('answer-next')).getByRole('button', {
        name: 'Deploy to green',
      }),
    ).toBeEnabled();
  });

  it('disables Deploy, saying why, for someone without the deploy permission when it is the next action', async () => {
    const api = new FakeBlueGreenApi();
    api.status = fixtures.status({
      failedVersion: {
        color: 'green',
        version: 'v1.1.0',
        images: ['my-app:v1.1.0'],
        reason: 'automatic rollback: 5xx ratio 4.8 %',
        historyId: 'h9',
        by: 'blue-green-watch',
        at: new Date().toISOString(),
      },
    });
    await renderTab(api, { deny: ['blue-green.deploy'] });
    expect(
      await screen.findByRole('button', { name: 'Deploy to green' }),
    ).toBeDisabled();
    expect(
      screen.getByText(/permission to deploy to this entity/),
    ).toBeInTheDocument();
  });

  it('does not offer Deploy beside another next action to someone who may not deploy', async () => {
    await renderTab(new FakeBlueGreenApi(), { deny: ['blue-green.deploy'] });
    expect(await screen.findByTestId('answer-next')).toHaveTextContent(
      /Sign off|Promote/,
    );
    expect(
      screen.queryByRole('button', { name: 'Deploy to green' }),
    ).not.toBeInTheDocument();
  });
});
