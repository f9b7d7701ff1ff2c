// How the OTLP receiver answers a pipeline error, as the Go receiver does: an error that carries a gRPC status keeps
// it; otherwise a permanent error is INTERNAL and anything else UNAVAILABLE (retryable). HTTP codes derive from it.
import { status as Code } from '@grpc/grpc-js';
import { isPermanent, toGRPCStatus } from '../../../consumererror';

export interface ReceiverStatus {
  readonly code: Code;
  readonly message: string;
}

export function statusFromPipelineError(err: unknown): ReceiverStatus {
  const carried = toGRPCStatus(err);
  if (carried.code !== Code.UNKNOWN) return carried;
  return { code: isPermanent(err) ? Code.INTERNAL : Code.UNAVAILABLE, message: carried.message };
}

const HTTP_FROM_GRPC: Partial<Record<Code, number>> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 503,
  [Code.DEADLINE_EXCEEDED]: 503,
  [Code.ABORTED]: 503,
  [Code.OUT_OF_RANGE]: 503,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 503,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.UNAUTHENTICATED]: 401,
  [Code.PERMISSION_DENIED]: 403,
  [Code.UNIMPLEMENTED]: 404,
};

export function httpStatusFromGRPC(code: Code): number {
  return HTTP_FROM_GRPC[code] ?? 500;
}
