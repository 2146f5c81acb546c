/**
 * Errors shaped exactly like kube-apiserver's metav1.Status bodies
 * (apimachinery pkg/api/errors/errors.go).
 */

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: {};
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A Kubernetes API error carrying the exact Status body the server answers with. */
export class ApiError extends Error {
  readonly code: number;
  readonly body: StatusBody;

  constructor(
    code: number,
    reason: string | undefined,
    message: string,
    details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.body = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      ...(reason !== undefined ? { reason } : {}),
      ...(details !== undefined ? { details } : {}),
      code,
    };
  }
}

/** `resource.group`, or just `resource` for the core group (GroupResource.String()). */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

function detailsOf(plural: string, group: string, name: string): StatusDetails {
  return group ? { name, group, kind: plural } : { name, kind: plural };
}

export function notFound(
  plural: string,
  group: string,
  name: string,
): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(plural, group)} "${name}" not found`,
    detailsOf(plural, group, name),
  );
}

export function alreadyExists(
  plural: string,
  group: string,
  name: string,
): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(plural, group)} "${name}" already exists`,
    detailsOf(plural, group, name),
  );
}

export const OPTIMISTIC_LOCK_ERROR_MSG =
  'the object has been modified; please apply your changes to the latest version and try again';

export function conflict(
  plural: string,
  group: string,
  name: string,
  err: string = OPTIMISTIC_LOCK_ERROR_MSG,
): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(
      plural,
      group,
    )} "${name}": ${err}`,
    detailsOf(plural, group, name),
  );
}

export interface FieldError {
  type: string; // e.g. FieldValueRequired, FieldValueInvalid
  field: string;
  message: string;
}

/** 422 Invalid (errors.go NewInvalid): `<Kind[.group]> "<name>" is invalid: <field errors>`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  errors: FieldError[],
): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const msgs = errors.map(e => `${e.field}: ${e.message}`);
  const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  return new ApiError(
    422,
    'Invalid',
    `${qualifiedKind} "${name}" is invalid: ${joined}`,
    {
      name,
      group,
      kind,
      causes: errors.map(e => ({
        reason: e.type,
        message: e.message,
        field: e.field,
      })),
    },
  );
}

/**
 * The exact body of a JSON patch that cannot be applied (apiserver patch.go:
 * NewGenericServerResponse(422, ...)).
 */
export function jsonPatchUnprocessable(): ApiError {
  return new ApiError(
    422,
    'Invalid',
    'the server rejected our request due to an error in our request',
    {},
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(
  message = 'the server does not allow this method on the requested resource',
): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message, {});
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(
      ', ',
    )}`,
  );
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}

export function internalError(message: string): ApiError {
  return new ApiError(
    500,
    'InternalError',
    `Internal error occurred: ${message}`,
    { causes: [{ message }] },
  );
}

export function notFoundPath(): ApiError {
  return new ApiError(
    404,
    'NotFound',
    'the server could not find the requested resource',
    {},
  );
}
