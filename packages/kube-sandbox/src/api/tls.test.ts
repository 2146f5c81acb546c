import https from 'node:https';
import { startSandbox, Sandbox } from '../sandbox';

function get(
  sandbox: Sandbox,
  options: { token?: string; ca?: string; servername?: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${sandbox.url}/api/v1/namespaces`,
      {
        ca: options.ca,
        servername: options.servername,
        headers: options.token
          ? { Authorization: `Bearer ${options.token}` }
          : {},
      },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('https and token authentication', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'empty',
      listeners: false,
      https: { serverNames: ['api.sandbox.test'] },
      requireToken: true,
      authenticate: token => token === 'issued-elsewhere',
    });
  });
  afterAll(() => sandbox.stop());

  it('serves HTTPS with a certificate its own CA signed', async () => {
    expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = Buffer.from(sandbox.caData!, 'base64').toString();
    expect(await get(sandbox, { ca, token: sandbox.token })).toBe(200);
    // The certificate also names api.sandbox.test, as reached with tls-server-name.
    expect(
      await get(sandbox, {
        ca,
        token: sandbox.token,
        servername: 'api.sandbox.test',
      }),
    ).toBe(200);
    // Without the CA the certificate is not trusted.
    await expect(get(sandbox, { token: sandbox.token })).rejects.toThrow(
      /self-signed|unable to verify|certificate/i,
    );
    await expect(
      get(sandbox, { ca, token: sandbox.token, servername: 'other.test' }),
    ).rejects.toThrow(/altnames|does not match/i);
  });

  it('accepts its own token and the tokens `authenticate` vouches for, nothing else', async () => {
    const ca = Buffer.from(sandbox.caData!, 'base64').toString();
    expect(await get(sandbox, { ca, token: 'issued-elsewhere' })).toBe(200);
    expect(await get(sandbox, { ca, token: 'made-up' })).toBe(401);
    expect(await get(sandbox, { ca })).toBe(401);
  });
});
