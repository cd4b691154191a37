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
}

export abstract class HttpError extends Error {
  abstract readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  protected constructor(message: string, defaultCode: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
    this.headers = options.headers ?? {};
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

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
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
      body: { error: { code: error.code, message: error.message } },
      headers: error.headers,
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: INTERNAL_MESSAGE } }, headers: {} };
}
