import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSONLinesWriter } from '../../../src/components/exporter/file/writer';
import { fromJSONFor } from '../../../src/pdata';
import { sample } from '../helpers';

describe('file exporter', () => {
  test('writes one OTLP/JSON request per line that reads back as the same data', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'file-exporter-')), 'out.jsonl');
    const writer = new JSONLinesWriter(path);
    await writer.open();
    const written = [sample.traces(2), sample.metrics(3), sample.logs(4)];
    await Promise.all(written.map((data) => writer.write(data)));
    await writer.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => expect(fromJSONFor(written[i].signal, line).toJSON()).toEqual(written[i].toJSON()));
  });

  test('refuses writes before it is opened', async () => {
    const writer = new JSONLinesWriter(join(tmpdir(), 'never-opened.jsonl'));
    await expect(writer.write(sample.logs(1))).rejects.toThrow('not started');
  });
});
