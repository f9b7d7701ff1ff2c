import { status as GrpcStatus } from '@grpc/grpc-js';
import { isPermanent, PermanentError, RetryableError, toGRPCStatus, toHTTPStatus } from '../../src/consumererror';
import { Logs, PdataError } from '../../src/pdata';

describe('consumererror', () => {
  // scenario: a component downstream of the receiver fails to decode the data it was given / guarantee: the failure
  // is the data's, so it is permanent and answered 400 / INVALID_ARGUMENT, never a retryable 503 a client would resend
  test('a failure the data causes is permanent and the caller is told its data is invalid', () => {
    let err: unknown;
    try {
      Logs.fromProto(Uint8Array.from([0x0a, 0x05, 0x01])).request();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PdataError);
    expect(isPermanent(err)).toBe(true);
    expect(toHTTPStatus(err)).toBe(400);
    expect(toGRPCStatus(err).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(isPermanent(new PermanentError(new Error('x')))).toBe(true);
    expect(isPermanent(new RetryableError('x'))).toBe(false);
  });
});
