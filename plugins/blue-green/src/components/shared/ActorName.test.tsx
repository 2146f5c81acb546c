import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { ActorName } from './ActorName';

const render = (actor: string) =>
  renderInTestApp(<ActorName actor={actor} />, {
    mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
  });

describe('ActorName', () => {
  it('links a user to their catalog page', async () => {
    await render('user:default/guest');
    expect(screen.getByRole('link', { name: 'guest' })).toHaveAttribute(
      'href',
      '/catalog/default/user/guest',
    );
  });

  it('names a user of another namespace with it', async () => {
    await render('user:ops/alice');
    expect(screen.getByRole('link', { name: 'ops/alice' })).toHaveAttribute(
      'href',
      '/catalog/ops/user/alice',
    );
  });

  it.each(['blue-green-watch', 'plugin:scaffolder'])(
    'writes %s as it is: a job or a service has no page',
    async actor => {
      await render(actor);
      expect(screen.getByText(actor)).toBeInTheDocument();
      expect(screen.queryByRole('link')).toBeNull();
    },
  );
});
