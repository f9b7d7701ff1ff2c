// Error meanings and their statuses, looking through the errors that wrap another, as Go's errors.As does.
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CombinedError, ComponentError, isPermanent, PermanentError, RetryableError, StatusError, toGRPCStatus, toHTTPStatus,
} from '../../src/consumererror';
import { Logs, PdataError } from '../../src/pdata';

describe('consumererror', () => {
  test('permanent and retryable, through component names and combinations', () => {
    const permanent = new PermanentError(new Error('bad'));
    expect(isPermanent(permanent)).toBe(true);
    expect(isPermanent(new ComponentError('processor "x"', permanent))).toBe(true);
    expect(isPermanent(new ComponentError('processor "x"', new RetryableError('later')))).toBe(false);
    expect(isPermanent(new CombinedError([new Error('a'), new ComponentError('exporter "y"', permanent)]))).toBe(true);
    expect(isPermanent(new Error('plain'))).toBe(false);
  });

  test('a status inside a permanent error or a component\'s error is the status answered', () => {
    const rejected = new PermanentError(new StatusError('answered 400', { http: 400 }));
    expect(toHTTPStatus(rejected)).toBe(400);
    expect(toGRPCStatus(rejected).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    const named = new ComponentError('exporter "webhook"', new StatusError('throttled', { grpc: GrpcStatus.RESOURCE_EXHAUSTED }));
    expect(toHTTPStatus(named)).toBe(429);
    expect(toGRPCStatus(named)).toEqual({ code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'exporter "webhook": throttled' });
  });

  test('without a status: 503 / UNAVAILABLE when retryable, 500 / INTERNAL when permanent', () => {
    expect(toHTTPStatus(new Error('x'))).toBe(503);
    expect(toHTTPStatus(new PermanentError(new Error('x')))).toBe(500);
    expect(toGRPCStatus(new ComponentError('c', new PermanentError('x'))).code).toBe(GrpcStatus.INTERNAL);
  });

  // scenario: a component downstream of the receiver fails to decode the data it was given / guarantee: the failure
  // is the data's, so it is permanent and answered 400 / INVALID_ARGUMENT, never a retryable 503 a client would resend,
  // also when a component package's consumer passes it on wrapped in its name
  test('a failure the data causes is permanent and the caller is told its data is invalid', () => {
    let err: unknown;
    try {
      Logs.fromProto(Uint8Array.from([0x0a, 0x05, 0x01])).request();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PdataError);
    for (const failure of [err, new ComponentError('processor "redact"', err)]) {
      expect(isPermanent(failure)).toBe(true);
      expect(toHTTPStatus(failure)).toBe(400);
      expect(toGRPCStatus(failure).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    }
  });
});
