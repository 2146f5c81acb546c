import { renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { backendError } from '../../testing/FakeBlueGreenApi';
import { ConfirmDialog } from './ConfirmDialog';

async function renderDialog(
  props: Partial<Parameters<typeof ConfirmDialog>[0]> = {},
) {
  const onCancel = jest.fn();
  const onConfirm = jest.fn(async (_reason: string) => {});
  await renderInTestApp(
    <ConfirmDialog
      id="test"
      title="Scale green"
      description="my-app-green runs 3 replicas now."
      reason={{ label: 'Reason', required: true }}
      confirmLabel="Scale"
      onCancel={onCancel}
      onConfirm={onConfirm}
      {...props}
    />,
  );
  return { onCancel, onConfirm: props.onConfirm ?? onConfirm };
}

const reasonField = () => screen.getByRole('textbox', { name: /Reason/ });
const confirmButton = () => screen.getByRole('button', { name: 'Scale' });

describe('ConfirmDialog', () => {
  it('opens with the focus on the reason', async () => {
    await renderDialog();
    expect(screen.getByRole('dialog')).toHaveTextContent(
      'my-app-green runs 3 replicas now.',
    );
    await waitFor(() => expect(reasonField()).toHaveFocus());
  });

  it('confirms only with a required reason, and passes it trimmed', async () => {
    const { onConfirm } = await renderDialog();
    expect(confirmButton()).toBeDisabled();
    await userEvent.type(reasonField(), '   ');
    expect(confirmButton()).toBeDisabled();
    await userEvent.type(reasonField(), 'end of release  ');
    await userEvent.click(confirmButton());
    expect(onConfirm).toHaveBeenCalledWith('end of release');
  });

  it('confirms without a reason when it is optional', async () => {
    const { onConfirm } = await renderDialog({ reason: { label: 'Reason' } });
    await userEvent.click(confirmButton());
    expect(onConfirm).toHaveBeenCalledWith('');
  });

  it('does not confirm while the fields of the action are invalid', async () => {
    await renderDialog({ reason: { label: 'Reason' }, ready: false });
    expect(confirmButton()).toBeDisabled();
  });

  it("shows the backend's message when the action fails, and stays open to try again", async () => {
    const error = await backendError(409, 'the live state changed');
    const onConfirm = jest
      .fn()
      .mockRejectedValueOnce(error)
      .mockResolvedValueOnce(undefined);
    await renderDialog({ onConfirm });
    await userEvent.type(reasonField(), 'go');
    await userEvent.click(confirmButton());
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'the live state changed (HTTP 409)',
    );
    expect(reasonField()).toHaveValue('go');
    await userEvent.click(confirmButton());
    expect(onConfirm).toHaveBeenCalledTimes(2);
  });

  it('disables its buttons while the action runs', async () => {
    let finish = () => {};
    const onConfirm = jest.fn(
      () =>
        new Promise<void>(resolve => {
          finish = resolve;
        }),
    );
    await renderDialog({ onConfirm, busyLabel: 'Scaling…' });
    await userEvent.type(reasonField(), 'go');
    await userEvent.click(confirmButton());
    expect(screen.getByRole('button', { name: 'Scaling…' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    finish();
    await waitFor(() => expect(confirmButton()).toBeEnabled());
  });

  it('shows the outcome in place of the fields, with a Close button', async () => {
    const { onCancel } = await renderDialog({
      outcome: <span>3 services scaled down</span>,
    });
    expect(screen.getByText('3 services scaled down')).toBeInTheDocument();
    expect(screen.queryByRole('textbox')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onCancel).toHaveBeenCalled();
  });
});
