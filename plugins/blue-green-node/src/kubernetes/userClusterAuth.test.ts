import {
  currentUserClusterAuth,
  requestAuthFromHeaders,
  userClusterAuthMiddleware,
} from './userClusterAuth';

describe("a request's own cluster tokens", () => {
  it('are read from the headers the Kubernetes plugin sends to its proxy', () => {
    expect(
      requestAuthFromHeaders({
        'backstage-kubernetes-authorization-google': 'g',
        'backstage-kubernetes-authorization-oidc-okta': 'o',
        'backstage-kubernetes-authorization-oidc-my-idp': 'm',
        authorization: 'Bearer backstage',
      }),
    ).toEqual({ google: 'g', oidc: { okta: 'o', 'my-idp': 'm' } });
    expect(requestAuthFromHeaders({ authorization: 'x' })).toBeUndefined();
  });

  it('stay with the work of that request only', async () => {
    const middleware = userClusterAuthMiddleware();
    const seen: unknown[] = [];
    await new Promise<void>(resolve =>
      middleware(
        { headers: { 'backstage-kubernetes-authorization-google': 'g' } },
        undefined,
        () => {
          setTimeout(() => {
            seen.push(currentUserClusterAuth());
            resolve();
          }, 1);
        },
      ),
    );
    expect(seen).toEqual([{ google: 'g' }]);
    expect(currentUserClusterAuth()).toBeUndefined();
  });
});
