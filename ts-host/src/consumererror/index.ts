// Errors a consumer returns, and how they map to OTLP's HTTP and gRPC statuses (the Go Collector's consumererror).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { PdataError } from '../pdata/errors';

/** Never retry the same data: it will fail again. */
export class PermanentError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Permanent error: ${messageOf(cause)}`);
    this.name = 'PermanentError';
  }
}

/** The sender may retry the same data later, such as after backpressure or a dead downstream. */
export class RetryableError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** An error that carries the status an OTLP server answered with, so it keeps it on the way back out. */
export class StatusError extends Error {
  constructor(
    message: string,
    readonly status: { readonly http?: number; readonly grpc?: GrpcStatus },
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/** Several consumers' errors as one, as Go's multierr: permanent when any of them is. */
export class CombinedError extends Error {
  constructor(readonly errors: readonly unknown[]) {
    super(errors.map(messageOf).join('; '));
    this.name = 'CombinedError';
  }
}

/**
 * An error that names the component it came from (the graph wraps those of component packages); it means what its
 * cause means: permanent, retryable, or a status.
 */
export class ComponentError extends Error {
  constructor(readonly component: string, override readonly cause: unknown) {
    super(`${component}: ${messageOf(cause)}`);
    this.name = 'ComponentError';
  }
}

type Status = StatusError['status'];

/** Data that is not valid OTLP: the client sent it wrong (400 / INVALID_ARGUMENT). */
const INVALID_DATA: Status = { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT };

/** The status an error carries, looking through the errors that wrap another (as Go's errors.As). */
function statusOf(err: unknown): Status | undefined {
  if (err instanceof StatusError) return err.status;
  if (err instanceof PdataError) return INVALID_DATA;
  if (err instanceof ComponentError || err instanceof PermanentError || err instanceof RetryableError) return statusOf(err.cause);
  return undefined;
}

/** One error for a list of failures: the error itself when there is one. */
export function combine(errors: readonly unknown[]): unknown {
  return errors.length === 1 ? errors[0] : new CombinedError(errors);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);
const RETRYABLE_GRPC = new Set([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

export function isPermanent(err: unknown): boolean {
  if (err instanceof ComponentError) return isPermanent(err.cause);
  // Data that is not valid OTLP fails the same way every time it is sent.
  if (err instanceof PermanentError || err instanceof PdataError) return true;
  if (err instanceof CombinedError) return err.errors.some(isPermanent);
  if (err instanceof StatusError) {
    if (err.status.grpc !== undefined) return !RETRYABLE_GRPC.has(err.status.grpc);
    if (err.status.http !== undefined) return !RETRYABLE_HTTP.has(err.status.http);
  }
  return false;
}

/** Everything that is not permanent may be retried, as in Go. */
export function isRetryable(err: unknown): boolean {
  return !isPermanent(err);
}

/** gRPC code → HTTP status, as the Go OTLP receiver maps them. */
export function grpcToHTTP(code: GrpcStatus): number {
  if (RETRYABLE_GRPC.has(code)) return 503;
  switch (code) {
    case GrpcStatus.OK:
      return 200;
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return 429;
    case GrpcStatus.INVALID_ARGUMENT:
      return 400;
    case GrpcStatus.UNAUTHENTICATED:
      return 401;
    case GrpcStatus.PERMISSION_DENIED:
      return 403;
    case GrpcStatus.UNIMPLEMENTED:
      return 404;
    default:
      return 500;
  }
}

/** HTTP status → gRPC code, the inverse used when an HTTP downstream's answer goes back out over gRPC. */
export function httpToGRPC(status: number): GrpcStatus {
  switch (status) {
    case 400:
      return GrpcStatus.INVALID_ARGUMENT;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** The HTTP status a receiver answers with: an explicit one, else derived, else 503 if retryable, else 500. */
export function toHTTPStatus(err: unknown): number {
  const status = statusOf(err);
  if (status?.http !== undefined) return status.http;
  if (status?.grpc !== undefined) return grpcToHTTP(status.grpc);
  return isRetryable(err) ? 503 : 500;
}

/** The gRPC status a receiver answers with: an explicit one, else derived, else UNAVAILABLE if retryable, else INTERNAL. */
export function toGRPCStatus(err: unknown): { code: GrpcStatus; message: string } {
  const message = messageOf(err);
  const status = statusOf(err);
  if (status?.grpc !== undefined) return { code: status.grpc, message };
  if (status?.http !== undefined) return { code: httpToGRPC(status.http), message };
  return { code: isRetryable(err) ? GrpcStatus.UNAVAILABLE : GrpcStatus.INTERNAL, message };
}
