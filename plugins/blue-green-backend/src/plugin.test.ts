import { startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { blueGreenPlugin } from './plugin';

describe('blueGreenPlugin', () => {
  it('answers /health without credentials', async () => {
    const { server } = await startTestBackend({ features: [blueGreenPlugin] });

    const res = await request(server).get('/api/blue-green/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('keeps every other route behind authentication', async () => {
    const { server } = await startTestBackend({ features: [blueGreenPlugin] });

    const res = await request(server)
      .get('/api/blue-green/entities/default/component/my-app')
      .set('Authorization', 'Bearer not-a-token');

    expect(res.status).toBe(401);
  });
});
