import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import * as fixtures from '../../testing/fixtures';
import { ScaleDialog } from './ScaleDialog';

describe('ScaleDialog', () => {
  it('sends a whole replica count from 0 to 1000 with the reason', async () => {
    const onConfirm = jest.fn(async () => {});
    await renderInTestApp(
      <ScaleDialog
        color={fixtures.colorStatus('green')}
        onCancel={jest.fn()}
        onConfirm={onConfirm}
      />,
    );
    const replicas = screen.getByRole('spinbutton', { name: 'Replicas' });
    const scale = screen.getByRole('button', { name: 'Scale' });
    expect(replicas).toHaveValue(3);

    await userEvent.clear(replicas);
    await userEvent.type(replicas, '2.5');
    expect(scale).toBeDisabled();
    expect(screen.getByText('a whole number from 0 to 1000')).toBeVisible();
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '0');
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Reason' }),
      'save money',
    );
    await userEvent.click(scale);
    expect(onConfirm).toHaveBeenCalledWith(0, 'save money');
  });

  it('warns that scaling the live color drops capacity', async () => {
    await renderInTestApp(
      <ScaleDialog
        color={fixtures.colorStatus('blue', { role: 'live' })}
        onCancel={jest.fn()}
        onConfirm={jest.fn()}
      />,
    );
    expect(screen.getByRole('dialog')).toHaveTextContent(
      'This color takes live traffic',
    );
  });
});
