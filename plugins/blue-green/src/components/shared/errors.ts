import { ResponseError } from '@backstage/errors';

/**
 * The backend's own message for a failed request (the `error.message` of Backstage's error body),
 * with the HTTP status; other errors as they are.
 */
export function errorMessage(error: Error): string {
  if (error instanceof ResponseError) {
    const message = error.body?.error?.message;
    if (message) return `${message} (HTTP ${error.statusCode})`;
  }
  return error.message;
}

/** True for a 404 from the backend: a route this backend does not have (yet). */
export function isNotFound(error?: Error): boolean {
  return error instanceof ResponseError && error.statusCode === 404;
}

/** True when the backend or the cluster behind it did not answer (502, 503, 504, or no answer). */
export function isUnavailable(error?: Error): boolean {
  if (!error) return false;
  if (error instanceof ResponseError) {
    return [502, 503, 504].includes(error.statusCode);
  }
  return error.name === 'TypeError'; // fetch's network failure
}
