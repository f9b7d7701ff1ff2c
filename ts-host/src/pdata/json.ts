// OTLP/JSON specifics on top of protobufjs' object conversion: trace and span ids are hex strings (not base64),
// 64-bit integers are decimal strings, enums are integers, field names are lowerCamelCase.
import type { IConversionOptions } from 'protobufjs';
import { PdataError } from './errors';
import { ID_LENGTHS } from './wire';

export const TO_OBJECT_OPTIONS: IConversionOptions = { longs: String, enums: Number, bytes: String, json: true };

/** Converts an id field (OTLP/JSON writes only these bytes fields as hex; every other bytes field stays base64). */
type Converter = (value: unknown, byteLength: number) => unknown;

function mapIdFields(value: unknown, convert: Converter): unknown {
  if (Array.isArray(value)) return value.map((item) => mapIdFields(item, convert));
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = Object.hasOwn(ID_LENGTHS, key) ? convert(field, ID_LENGTHS[key]) : mapIdFields(field, convert);
  }
  return out;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function hexToBytes(value: unknown, byteLength: number): unknown {
  if (typeof value !== 'string') return value;
  if (!HEX.test(value) || (value.length !== 0 && value.length !== 2 * byteLength)) {
    throw new PdataError(`invalid OTLP/JSON: id ${JSON.stringify(value)} is not ${byteLength} hex-encoded bytes`);
  }
  return Buffer.from(value, 'hex');
}

function base64ToHex(value: unknown): unknown {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : value;
}

/** Turns OTLP/JSON (text or parsed) into the plain object protobufjs' `fromObject` expects. */
export function fromOTLPJSON(json: string | object): object {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new PdataError(`invalid OTLP/JSON: ${(err as Error).message}`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PdataError('invalid OTLP/JSON: the request must be a JSON object');
  }
  return mapIdFields(parsed, hexToBytes) as object;
}

/** Turns the output of protobufjs' `toObject(message, TO_OBJECT_OPTIONS)` into OTLP/JSON. */
export function toOTLPJSON(object: object): object {
  return mapIdFields(object, base64ToHex) as object;
}
