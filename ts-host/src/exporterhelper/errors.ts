/** A retryable error that says how long to wait before retrying (a server's Retry-After or gRPC RetryInfo). */
export class ThrottleRetryError extends Error {
  constructor(override readonly cause: unknown, readonly delayMs: number) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (retry after ${delayMs}ms)`);
  }
}

export const ERR_QUEUE_IS_FULL = 'sending queue is full';
