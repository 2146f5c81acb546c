import { renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import * as fixtures from '../../testing/fixtures';
import { TrafficControls } from './TrafficControls';

const istio = () =>
  fixtures.status({
    strategy: 'istio',
    capabilities: fixtures.ISTIO_CAPABILITIES,
  });

describe('TrafficControls', () => {
  it('asks for a reason before the header route changes traffic', async () => {
    const onPreviewRoute = jest.fn(async () => {});
    await renderInTestApp(
      <TrafficControls
        status={istio()}
        onPreviewRoute={onPreviewRoute}
        onMirror={jest.fn()}
      />,
    );
    await userEvent.click(
      screen.getByRole('checkbox', { name: /Header route to the idle color/ }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(
      'Requests with the header x-canary: true will go to green',
    );
    const confirm = within(dialog).getByRole('button', { name: 'Turn on' });
    expect(confirm).toBeDisabled();
    expect(onPreviewRoute).not.toHaveBeenCalled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'QA of v1.1.0',
    );
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(onPreviewRoute).toHaveBeenCalledWith(true, 'QA of v1.1.0'),
    );
  });

  it('mirrors the share of live traffic the user chose', async () => {
    const onMirror = jest.fn(async () => {});
    await renderInTestApp(
      <TrafficControls
        status={istio()}
        onPreviewRoute={jest.fn()}
        onMirror={onMirror}
      />,
    );
    await userEvent.click(screen.getByRole('checkbox', { name: /Mirror/ }));
    const dialog = await screen.findByRole('dialog');
    const share = within(dialog).getByRole('spinbutton', { name: /Share/ });
    await userEvent.clear(share);
    await userEvent.type(share, '250');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'load test',
    );
    const confirm = within(dialog).getByRole('button', { name: 'Turn on' });
    expect(confirm).toBeDisabled(); // 250 % is not a share
    await userEvent.clear(share);
    await userEvent.type(share, '25');
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(onMirror).toHaveBeenCalledWith(true, 25, 'load test'),
    );
  });

  it('says why a user may not use the controls', async () => {
    await renderInTestApp(
      <TrafficControls
        status={istio()}
        deniedReason="You may not change this entity’s traffic."
        onPreviewRoute={jest.fn()}
        onMirror={jest.fn()}
      />,
    );
    const route = screen.getByRole('checkbox', { name: /Header route/ });
    expect(route).toBeDisabled();
    expect(route).toHaveAccessibleDescription(
      'You may not change this entity’s traffic.',
    );
  });
});
