// Real OpenTelemetry JS SDK clients, run by sdk/send.js in their own process, and reading back what the `file`
// exporter wrote.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export type Json = Record<string, any>;

const SEND = resolve(__dirname, '..', 'sdk', 'send.js');

export const attr = (list: Json[] | undefined, key: string) => list?.find((kv) => kv.key === key)?.value;

/** Runs the SDK sender; resolves with what it says it sent. */
export async function send(signal: string, transport: string, address: string, run: string): Promise<Json[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [SEND, signal, transport, address, run]);
  return JSON.parse(stdout);
}

/** Every resource the file exporter wrote to `path` for a signal, whose resource carries `test.run = run`. */
export function written(path: string, key: 'resourceSpans' | 'resourceMetrics' | 'resourceLogs', run: string): Json[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    .flatMap((request: Json) => request[key] ?? [])
    .filter((resource: Json) => attr(resource.resource?.attributes, 'test.run')?.stringValue === run);
}
