/**
 * The errors a handler throws to answer an HTTP request with something other than success. The
 * message is public: it goes into the response body as `{"error":{"code","message"}}`, so it must say
 * what the caller can do and never carry a secret, a token or an internal detail. Put those in `cause`
 * (logged, never answered).
 *
 * @example
 * if (!token.ok) throw new Unauthorized('the transfer token has expired', { code: 'token_expired' });
 */
export interface HttpErrorOptions {
  /** Machine-readable code for the body. @default the class's code, e.g. `not_found` */
  readonly code?: string;
  /** Extra response headers (`Retry-After` for a 503, `WWW-Authenticate` for a 401). */
  readonly headers?: Readonly<Record<string, string>>;
  /** What went wrong inside; logged by the error middleware, never put in a response. */
  readonly cause?: unknown;
  /** Extra public fields of the error object (`omitted`, `scope`); public like the message. @default none */
  readonly details?: ErrorDetails;
}

export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export abstract class HttpError extends Error {
  abstract readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: ErrorDetails;

  protected constructor(message: string, defaultCode: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

export class BadRequest extends HttpError {
  readonly status = 400;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'bad_request', options);
  }
}

export class Unauthorized extends HttpError {
  readonly status = 401;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'unauthorized', options);
  }
}

/** The caller is known (its credential is valid) but may not do this. */
export class Forbidden extends HttpError {
  readonly status = 403;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'forbidden', options);
  }
}

export class NotFound extends HttpError {
  readonly status = 404;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'not_found', options);
  }
}

export class Conflict extends HttpError {
  readonly status = 409;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'conflict', options);
  }
}

export class PayloadTooLarge extends HttpError {
  readonly status = 413;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'payload_too_large', options);
  }
}

export class UnsupportedMediaType extends HttpError {
  readonly status = 415;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'unsupported_media_type', options);
  }
}

export class ServiceUnavailable extends HttpError {
  readonly status = 503;
  constructor(message: string, options?: HttpErrorOptions) {
    super(message, 'service_unavailable', options);
  }
}

/**
 * A failure the caller cannot fix, with a public message chosen on purpose. Anything thrown that is not
 * an {@link HttpError} is answered as this with the generic message.
 */
export class InternalError extends HttpError {
  readonly status = 500;
  constructor(message = INTERNAL_MESSAGE, options?: HttpErrorOptions) {
    super(message, 'internal', options);
  }
}

export const INTERNAL_MESSAGE = 'internal error';

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}

/** At most this many problems are listed in one answer (see {@link invalidInput}). */
export const MAX_LISTED_PROBLEMS = 10;
/** A listed problem longer than this is cut (a path through caller-chosen field names can be long). */
export const MAX_PROBLEM_CHARS = 200;

/**
 * A 400 naming what is wrong with the input, bounded whatever the input: the first
 * {@link MAX_LISTED_PROBLEMS} problems, each cut to {@link MAX_PROBLEM_CHARS} characters, and when
 * there were more, `omitted` (how many were left out) in the error object and in the message. The
 * answer stays under 5 KB as JSON, whatever the problems say.
 *
 * @example
 * throw invalidInput(describeZodIssues(result.error, 'body'), 'invalid_body');
 * // {"error":{"code":"invalid_body","message":"body.a: ...; ...; and 37 more problems","omitted":37}}
 */
export function invalidInput(problems: readonly string[], code: string): BadRequest {
  // Control characters (from caller-chosen field names) would grow sixfold as JSON escapes: shown as `?`.
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => p.replace(/\p{Cc}/gu, '?'))
    .map((p) => (p.length > MAX_PROBLEM_CHARS ? `${p.slice(0, MAX_PROBLEM_CHARS - 3)}...` : p));
  const omitted = Math.max(0, problems.length - listed.length);
  const message =
    omitted === 0
      ? listed.join('; ')
      : `${listed.join('; ')}; and ${omitted} more ${omitted === 1 ? 'problem' : 'problems'} (fix these first)`;
  return new BadRequest(message || 'the input is not valid', {
    code,
    ...(omitted === 0 ? {} : { details: { omitted } }),
  });
}

/** The JSON body of every error answer: code and message, and any details the error names. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string } & ErrorDetails;
}

/**
 * The public view of any thrown value: an {@link HttpError} keeps its status, code and message;
 * everything else becomes 500 `internal` / `internal error`.
 */
export function publicError(error: unknown): {
  status: number;
  body: ErrorBody;
  headers: Readonly<Record<string, string>>;
} {
  if (isHttpError(error)) {
    return {
      status: error.status,
      body: { error: { ...error.details, code: error.code, message: error.message } },
      headers: error.headers,
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: INTERNAL_MESSAGE } }, headers: {} };
}
