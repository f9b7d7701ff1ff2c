export interface MemoryLimiterConfig {
  /** Milliseconds between memory measurements. */
  check_interval: number;
  /** The hard limit in MiB; the soft limit is limit_mib - spike_limit_mib. */
  limit_mib: number;
  /** Headroom below the hard limit in MiB; 0 means 20% of limit_mib. */
  spike_limit_mib: number;
  /** The hard limit as a percentage of the memory available (the cgroup limit, else the machine's memory). */
  limit_percentage: number;
  spike_limit_percentage: number;
}

export function createDefaultConfig(): MemoryLimiterConfig {
  return { check_interval: 0, limit_mib: 0, spike_limit_mib: 0, limit_percentage: 0, spike_limit_percentage: 0 };
}

/** The Go processor's validation, with its messages. */
export function validateConfig(config: MemoryLimiterConfig): void {
  if (config.check_interval <= 0) throw new Error("'check_interval' must be greater than zero");
  if (config.limit_mib > 0) {
    if (config.spike_limit_mib >= config.limit_mib) throw new Error("'spike_limit_mib' must be smaller than 'limit_mib'");
    return;
  }
  if (config.limit_percentage === 0) throw new Error("'limit_mib' or 'limit_percentage' must be greater than zero");
  if (config.limit_percentage > 100 || config.spike_limit_percentage > 100) {
    throw new Error("'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred");
  }
  if (config.spike_limit_percentage >= config.limit_percentage) {
    throw new Error("'spike_limit_percentage' must be smaller than 'limit_percentage'");
  }
}
