/**
 * Coded errors. Every protocol answers errors with the same JSON shape, `{"error": "<message>"}`; the code
 * travels in the log and picks the status.
 */
import createError from '@fastify/error';

export const BadInput = createError<[string]>('MS_BAD_INPUT', '%s', 400);
export const Unauthorized = createError<[string]>('MS_UNAUTHORIZED', '%s', 401);
export const Forbidden = createError<[string]>('MS_FORBIDDEN', '%s', 403);
export const NotFound = createError<[string]>('MS_NOT_FOUND', '%s', 404);
/** A path segment longer than any model name or version (http/hooks.ts MAX_PARAM_LENGTH). */
export const UriTooLong = createError<[string]>('MS_URI_TOO_LONG', '%s', 414);
/** The body did not arrive within MODEL_SERVER_BODY_TIMEOUT_MS of the headers. */
export const BodyTimeout = createError<[string]>('MS_BODY_TIMEOUT', '%s', 408);
export const RateLimited = createError<[string]>('MS_RATE_LIMITED', '%s', 429);
export const InferenceFailed = createError<[string]>('MS_INFERENCE_FAILED', '%s', 500);
/** The answer became larger than MODEL_SERVER_MAX_RESPONSE_BYTES only once the model had run. */
export const ResponseTooLarge = createError<[string]>('MS_RESPONSE_TOO_LARGE', '%s', 500);
export const NotReady = createError<[string]>('MS_NOT_READY', '%s', 503);
export const QueueFull = createError<[string]>('MS_QUEUE_FULL', '%s', 503);
export const Draining = createError<[string]>('MS_DRAINING', '%s', 503);
export const TimedOut = createError<[string]>('MS_TIMEOUT', '%s', 504);

/** Seconds a client should wait before retrying, sent as Retry-After. */
export const kRetryAfter = Symbol('retryAfterSeconds');

export function withRetryAfter<E extends Error>(error: E, seconds: number): E {
  (error as E & { [kRetryAfter]?: number })[kRetryAfter] = Math.max(1, Math.ceil(seconds));
  return error;
}

export function retryAfterOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { [kRetryAfter]?: number })[kRetryAfter] : undefined;
}
