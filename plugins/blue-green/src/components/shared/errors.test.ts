import { backendError } from '../../testing/FakeBlueGreenApi';
import { errorMessage, isNotFound, isUnavailable } from './errors';

describe('errors', () => {
  it("shows the backend's own message with the HTTP status", async () => {
    const error = await backendError(
      409,
      'promote refused: the live state changed',
    );
    expect(error.message).toMatch(/^Request failed with 409/);
    expect(errorMessage(error)).toBe(
      'promote refused: the live state changed (HTTP 409)',
    );
  });

  it('shows any other error as it is', () => {
    expect(errorMessage(new Error('Failed to fetch'))).toBe('Failed to fetch');
  });

  it('recognises a 404 from the backend only', async () => {
    expect(isNotFound(await backendError(404, 'no such route'))).toBe(true);
    expect(isNotFound(await backendError(403, 'denied'))).toBe(false);
    // Something that only looks like a response error is not one.
    expect(
      isNotFound(Object.assign(new Error('x'), { response: { status: 404 } })),
    ).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });

  it('tells an unreachable cluster or backend from a refusal', async () => {
    expect(isUnavailable(await backendError(503, 'unreachable'))).toBe(true);
    expect(isUnavailable(new TypeError('Failed to fetch'))).toBe(true);
    expect(isUnavailable(await backendError(403, 'denied'))).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });
});
