// Appends one OTLP/JSON request per line. Writes are chained so that lines never interleave, and shutdown waits for
// the last one before closing the file.
import { open, FileHandle } from 'node:fs/promises';
import type { PData } from '../../../pdata';

export class JSONLinesWriter {
  private file: FileHandle | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async open(): Promise<void> {
    this.file ??= await open(this.path, 'a', 0o600);
  }

  write(data: PData): Promise<void> {
    const line = `${JSON.stringify(data.toJSON())}\n`;
    const written = this.last.then(async () => {
      if (!this.file) throw new Error(`the file exporter for ${this.path} is not started`);
      await this.file.write(line);
    });
    this.last = written.catch(() => undefined);
    return written;
  }

  async close(): Promise<void> {
    await this.last;
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }
}
