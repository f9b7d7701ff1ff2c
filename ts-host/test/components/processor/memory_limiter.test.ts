import { validateConfig } from '../../../src/components/processor/memory_limiter/config';
import { ERR_DATA_REFUSED, limitsOf, MemoryLimiter } from '../../../src/components/processor/memory_limiter/limiter';
import { recordingLogger } from '../helpers';

const MIB = 1024 * 1024;
const config = { check_interval: 1000, limit_mib: 100, spike_limit_mib: 20, limit_percentage: 0, spike_limit_percentage: 0 };

describe('memory_limiter processor', () => {
  test('validation uses the Go messages', () => {
    expect(() => validateConfig({ ...config, check_interval: 0 })).toThrow("'check_interval' must be greater than zero");
    expect(() => validateConfig({ ...config, limit_mib: 0 })).toThrow("'limit_mib' or 'limit_percentage' must be greater than zero");
    expect(() => validateConfig({ ...config, spike_limit_mib: 100 })).toThrow("'spike_limit_mib' must be smaller than 'limit_mib'");
    expect(() => validateConfig({ ...config, limit_mib: 0, limit_percentage: 50, spike_limit_percentage: 60 }))
      .toThrow("'spike_limit_percentage' must be smaller than 'limit_percentage'");
    expect(() => validateConfig(config)).not.toThrow();
  });

  test('limits: the soft limit is the hard limit minus the spike (20% by default)', () => {
    expect(limitsOf(config)).toEqual({ hard: 100 * MIB, soft: 80 * MIB });
    expect(limitsOf({ ...config, spike_limit_mib: 0 })).toEqual({ hard: 100 * MIB, soft: 80 * MIB });
    expect(limitsOf({ ...config, limit_mib: 0, limit_percentage: 50, spike_limit_percentage: 10 }, 1000 * MIB))
      .toEqual({ hard: 500 * MIB, soft: 400 * MIB });
  });

  test('refuses with the retryable error above the soft limit and recovers below it', () => {
    let used = 10 * MIB;
    const { logger, lines } = recordingLogger();
    const limiter = new MemoryLimiter(config, logger, () => used);
    limiter.check();
    expect(() => limiter.admit()).not.toThrow();
    used = 85 * MIB;
    limiter.check();
    expect(() => limiter.admit()).toThrow(ERR_DATA_REFUSED);
    expect(ERR_DATA_REFUSED).toBe('data refused due to high memory usage');
    expect(lines.some((line) => line.level === 'warn')).toBe(true);
    used = 50 * MIB;
    limiter.check();
    expect(() => limiter.admit()).not.toThrow();
  });
});
