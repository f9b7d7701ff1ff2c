/** Raised for input that is not valid OTLP (protobuf or JSON) and for writes to read-only data. */
export class PdataError extends Error {
  override readonly name = 'PdataError';
}
