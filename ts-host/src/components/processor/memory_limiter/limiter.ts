// Measures the process's memory every check_interval and refuses data while it is above the soft limit. The refusal
// is a plain (retryable) error, which receivers answer with 503 / UNAVAILABLE so that clients back off and retry.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { TelemetrySettings } from '../../../component';
import type { MemoryLimiterConfig } from './config';

export const ERR_DATA_REFUSED = 'data refused due to high memory usage';

const MIB = 1024 * 1024;

/** Memory in use by this process as the limits see it: the V8 heap plus memory held outside it (Buffers). */
export function processMemory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** The memory available to the process: the cgroup v2 or v1 limit when set, else the machine's. */
export function availableMemory(): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(limit) && limit > 0 && limit < os.totalmem()) return limit;
    } catch {
      // not in a cgroup with this file; try the next
    }
  }
  return os.totalmem();
}

export function limitsOf(config: MemoryLimiterConfig, total = availableMemory()): { hard: number; soft: number } {
  if (config.limit_mib > 0) {
    const hard = config.limit_mib * MIB;
    const spike = (config.spike_limit_mib || config.limit_mib / 5) * MIB;
    return { hard, soft: hard - spike };
  }
  const hard = (total * config.limit_percentage) / 100;
  return { hard, soft: hard - (total * config.spike_limit_percentage) / 100 };
}

export class MemoryLimiter {
  private timer: NodeJS.Timeout | undefined;
  private refusing = false;
  private readonly limits: { hard: number; soft: number };

  constructor(
    private readonly config: MemoryLimiterConfig,
    private readonly logger: TelemetrySettings['logger'],
    private readonly measure: () => number = processMemory,
  ) {
    this.limits = limitsOf(config);
  }

  start(): void {
    if (this.timer) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.config.check_interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Throws the retryable refusal while memory is above the soft limit. */
  admit(): void {
    if (this.refusing) throw new Error(ERR_DATA_REFUSED);
  }

  check(): void {
    let used = this.measure();
    if (used > this.limits.hard && typeof global.gc === 'function') {
      // Like Go's forced GC above the hard limit; only possible when node runs with --expose-gc.
      global.gc();
      used = this.measure();
    }
    const refusing = used > this.limits.soft;
    if (refusing !== this.refusing) {
      const fields = { cur_mem_mib: Math.round(used / MIB), soft_limit_mib: Math.round(this.limits.soft / MIB) };
      if (refusing) this.logger.warn(fields, 'Memory usage is above soft limit. Refusing data.');
      else this.logger.info(fields, 'Memory usage back within limits. Resuming normal operation.');
    }
    this.refusing = refusing;
  }
}
