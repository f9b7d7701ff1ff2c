// Aggregation as health check v2 does it: per pipeline and over all, the most relevant status wins, and its event
// says which component and since when.
import { Aggregator, InstanceID, type Event, type Status } from '../../src/componentstatus';

const at = (status: Status, ms: number, error?: string): Event => ({ status, timestamp: new Date(ms), error: error ? new Error(error) : undefined });
const receiver = new InstanceID('otlp', 'receiver', ['traces', 'logs']);
const exporter = new InstanceID('otlp_grpc', 'exporter', ['traces']);
const extension = new InstanceID('health_check', 'extension');

describe('status aggregation', () => {
  test('a shared component counts in every pipeline it belongs to; extensions in their own scope', () => {
    const agg = new Aggregator();
    agg.record(receiver, at('StatusOK', 1));
    agg.record(exporter, at('StatusOK', 2));
    agg.record(extension, at('StatusOK', 3));
    const all = agg.status();
    expect([...all!.components!.keys()].sort()).toEqual(['extensions', 'pipeline:logs', 'pipeline:traces']);
    expect([...agg.status('traces')!.components!.keys()].sort()).toEqual(['exporter:otlp_grpc', 'receiver:otlp']);
    expect(all!.event).toEqual(at('StatusOK', 3)); // all OK: the latest event
    expect(agg.status('nope')).toBeUndefined();
    expect(agg.status('traces', false)!.components).toBeUndefined();
  });

  test('an error bubbles up with the earliest failing event; recovery brings OK back', () => {
    const agg = new Aggregator();
    agg.record(receiver, at('StatusOK', 1));
    agg.record(exporter, at('StatusRecoverableError', 5, 'refused'));
    expect(agg.status('traces')!.event).toEqual(at('StatusRecoverableError', 5, 'refused'));
    expect(agg.status()!.event.status).toBe('StatusRecoverableError');
    expect(agg.status('logs')!.event.status).toBe('StatusOK');
    agg.record(exporter, at('StatusOK', 9));
    expect(agg.status()!.event).toEqual(at('StatusOK', 9));
  });

  test('precedence: fatal, then starting, stopping, then permanent before recoverable (or reversed)', () => {
    const statusWith = (priority: 'permanent' | 'recoverable', ...statuses: Status[]) => {
      const agg = new Aggregator(priority);
      statuses.forEach((s, i) => agg.record(new InstanceID(`c${i}`, 'processor', ['traces']), at(s, i)));
      return agg.status('traces')!.event.status;
    };
    expect(statusWith('permanent', 'StatusOK', 'StatusRecoverableError', 'StatusPermanentError')).toBe('StatusPermanentError');
    expect(statusWith('recoverable', 'StatusOK', 'StatusRecoverableError', 'StatusPermanentError')).toBe('StatusRecoverableError');
    expect(statusWith('permanent', 'StatusStarting', 'StatusPermanentError')).toBe('StatusStarting');
    expect(statusWith('permanent', 'StatusStopping', 'StatusStarting', 'StatusFatalError')).toBe('StatusFatalError');
    expect(statusWith('permanent', 'StatusStopped', 'StatusOK')).toBe('StatusStopping');
    expect(statusWith('permanent', 'StatusStopped', 'StatusStopped')).toBe('StatusStopped');
  });
});
