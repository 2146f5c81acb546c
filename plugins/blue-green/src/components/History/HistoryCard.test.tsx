import { getCompoundEntityRef } from '@backstage/catalog-model';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { blueGreenApiRef } from '../../api';
import { HISTORY_PAGE_SIZE } from '../../hooks/useHistory';
import * as fixtures from '../../testing/fixtures';
import { FakeBlueGreenApi } from '../../testing/FakeBlueGreenApi';
import { HistoryCard } from './HistoryCard';

const entityRef = getCompoundEntityRef(fixtures.entity);

async function renderHistory(api: FakeBlueGreenApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[blueGreenApiRef, api]]}>
      <HistoryCard entity={entityRef} version={0} />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('HistoryCard', () => {
  it('pages through the history with the cursor, newest first', async () => {
    const api = new FakeBlueGreenApi();
    api.history = fixtures.history(
      Array.from({ length: HISTORY_PAGE_SIZE + 2 }, (_, i) => ({
        reason: `release ${HISTORY_PAGE_SIZE + 2 - i}`,
      })),
    );
    await renderHistory(api);
    const history = await screen.findByTestId('history');
    expect(within(history).getByText('12 entries')).toBeInTheDocument();
    expect(within(history).getByText('release 12')).toBeInTheDocument();
    expect(within(history).queryByText('release 2')).toBeNull();
    const newer = screen.getByRole('button', { name: 'Newer' });
    expect(newer).toBeDisabled();

    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    expect(await screen.findByText('release 2')).toBeInTheDocument();
    expect(screen.getByText('release 1')).toBeInTheDocument();
    expect(screen.queryByText('release 12')).toBeNull();
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Older' })).toBeDisabled();

    await userEvent.click(newer);
    expect(await screen.findByText('release 12')).toBeInTheDocument();
    expect(screen.getByText('Page 1')).toBeInTheDocument();
  });

  it('links who did it to their catalog page', async () => {
    const api = new FakeBlueGreenApi();
    api.history = fixtures.history([
      { actor: 'user:default/alice', reason: 'release 2' },
      { action: 'auto-rollback', actor: 'blue-green-watch' },
    ]);
    await renderHistory(api);
    expect(await screen.findByRole('link', { name: 'alice' })).toHaveAttribute(
      'href',
      '/catalog/default/user/alice',
    );
    expect(screen.getByText('blue-green-watch')).toBeInTheDocument();
  });
});
