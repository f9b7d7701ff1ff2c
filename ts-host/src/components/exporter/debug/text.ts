// The debug exporter's `detailed` output: the Go Collector's text dump of a request (its otlptext marshalers), line
// for line: resources, scopes, then every span, data point or log record with its fields and attributes.
import type { otlp, PData } from '../../../pdata';
import { goFloatF, idHex, integer, present, timestamp, valueAsString, valueTypeName } from './values';

type Node = otlp.Message;

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];
const TEMPORALITIES = ['Unspecified', 'Delta', 'Cumulative'];
const SEVERITY_NAMES = ['Unspecified', ...['Trace', 'Debug', 'Info', 'Warn', 'Error', 'Fatal'].flatMap((n) => [n, `${n}2`, `${n}3`, `${n}4`])];
const METRIC_TYPES: ReadonlyArray<[field: string, name: string]> = [
  ['gauge', 'Gauge'], ['sum', 'Sum'], ['histogram', 'Histogram'], ['exponentialHistogram', 'ExponentialHistogram'], ['summary', 'Summary'],
];

/** The field of a Metric's `data` oneof that is set, or undefined (Go's MetricTypeEmpty). */
export function metricDataField(metric: Node): string | undefined {
  if (typeof metric.data === 'string') return metric.data;
  return METRIC_TYPES.find(([field]) => present(metric[field]))?.[0];
}

class TextBuffer {
  private readonly lines: string[] = [];

  entry(line: string): void {
    this.lines.push(line);
  }

  attr(name: string, value: string): void {
    this.entry(`    ${name.padEnd(15)}: ${value}`);
  }

  /** `header:` then one `-> key: Type(value)` line per attribute, indented under an indented header. */
  attributes(header: string, attributes: Node[] | null | undefined): void {
    if (!attributes?.length) return;
    this.entry(`${header}:`);
    const parts = header.split('->');
    const prefix = `${parts.length > 1 ? parts[0] : ''}     ->`;
    for (const kv of attributes) this.entry(`${prefix} ${kv.key}: ${valueTypeName(kv.value)}(${valueAsString(kv.value)})`);
  }

  entityRefs(resource: Node | null | undefined): void {
    const refs: Node[] = resource?.entityRefs ?? [];
    if (refs.length === 0) return;
    this.entry('Resource entity refs:');
    refs.forEach((ref, i) => {
      this.entry(`     -> Entity ref #${i}:`);
      this.entry(`          -> Type: ${ref.type ?? ''}`);
      if (ref.schemaUrl) this.entry(`          -> Schema URL: ${ref.schemaUrl}`);
      for (const [title, keys] of [['ID keys', ref.idKeys], ['Description keys', ref.descriptionKeys]] as const) {
        if (!keys?.length) continue;
        this.entry(`          -> ${title}:`);
        for (const key of keys) this.entry(`               -> ${key}`);
      }
    });
  }

  resource(title: string, index: number, resourceData: Node): void {
    this.entry(`${title} #${index}`);
    this.entry(`Resource SchemaURL: ${resourceData.schemaUrl ?? ''}`);
    this.attributes('Resource attributes', resourceData.resource?.attributes);
    this.entityRefs(resourceData.resource);
  }

  scope(title: string, index: number, scopeData: Node): void {
    this.entry(`${title} #${index}`);
    this.entry(`${title} SchemaURL: ${scopeData.schemaUrl ?? ''}`);
    this.entry(`InstrumentationScope ${scopeData.scope?.name ?? ''} ${scopeData.scope?.version ?? ''}`);
    this.attributes('InstrumentationScope attributes', scopeData.scope?.attributes);
  }

  exemplars(exemplars: Node[] | null | undefined): void {
    if (!exemplars?.length) return;
    this.entry('Exemplars:');
    exemplars.forEach((e, i) => {
      this.entry(`Exemplar #${i}`);
      this.entry(`     -> Trace ID: ${idHex(e.traceId)}`);
      this.entry(`     -> Span ID: ${idHex(e.spanId)}`);
      this.entry(`     -> Timestamp: ${timestamp(e.timeUnixNano)}`);
      if (present(e.asInt) && (e.value === 'asInt' || !present(e.asDouble))) this.entry(`     -> Value: ${integer(e.asInt)}`);
      else if (present(e.asDouble)) this.entry(`     -> Value: ${goFloatF(e.asDouble)}`);
      this.attributes('     -> FilteredAttributes', e.filteredAttributes);
    });
  }

  /** Attributes, start and time stamps: what every data point begins with. */
  pointHeader(title: string, index: number, point: Node): void {
    this.entry(`${title} #${index}`);
    this.attributes('Data point attributes', point.attributes);
    this.entry(`StartTimestamp: ${timestamp(point.startTimeUnixNano)}`);
    this.entry(`Timestamp: ${timestamp(point.timeUnixNano)}`);
  }

  /** Count, and sum, min and max where present. */
  distribution(point: Node): void {
    this.entry(`Count: ${integer(point.count)}`);
    for (const [name, field] of [['Sum', 'sum'], ['Min', 'min'], ['Max', 'max']]) {
      if (present(point[field])) this.entry(`${name}: ${goFloatF(point[field])}`);
    }
  }

  dataPoints(metric: Node): void {
    const field = metricDataField(metric);
    if (!field) return;
    const data = metric[field];
    const points: Node[] = data.dataPoints ?? [];
    if (field === 'sum') this.entry(`     -> IsMonotonic: ${Boolean(data.isMonotonic)}`);
    if (field !== 'gauge' && field !== 'summary') this.entry(`     -> AggregationTemporality: ${TEMPORALITIES[data.aggregationTemporality ?? 0] ?? ''}`);
    points.forEach((p, i) => {
      switch (field) {
        case 'gauge':
        case 'sum':
          this.pointHeader('NumberDataPoints', i, p);
          if (present(p.asInt) && (p.value === 'asInt' || !present(p.asDouble))) this.entry(`Value: ${integer(p.asInt)}`);
          else if (present(p.asDouble)) this.entry(`Value: ${goFloatF(p.asDouble)}`);
          this.exemplars(p.exemplars);
          return;
        case 'histogram':
          this.pointHeader('HistogramDataPoints', i, p);
          this.distribution(p);
          (p.explicitBounds ?? []).forEach((b: number, j: number) => this.entry(`ExplicitBounds #${j}: ${goFloatF(b)}`));
          (p.bucketCounts ?? []).forEach((c: unknown, j: number) => this.entry(`Buckets #${j}, Count: ${integer(c)}`));
          this.exemplars(p.exemplars);
          return;
        case 'exponentialHistogram':
          this.pointHeader('ExponentialHistogramDataPoints', i, p);
          this.distribution(p);
          this.exponentialBuckets(p);
          this.exemplars(p.exemplars);
          return;
        case 'summary':
          this.pointHeader('SummaryDataPoints', i, p);
          this.entry(`Count: ${integer(p.count)}`);
          this.entry(`Sum: ${goFloatF(p.sum ?? 0)}`);
          (p.quantileValues ?? []).forEach((q: Node, j: number) =>
            this.entry(`QuantileValue #${j}: Quantile ${goFloatF(q.quantile ?? 0)}, Value ${goFloatF(q.value ?? 0)}`));
          return;
      }
    });
  }

  /** Bucket bounds from scale and offset, negative buckets first (largest magnitude first), as Go computes them. */
  private exponentialBuckets(p: Node): void {
    const factor = Math.LN2 * 2 ** -(p.scale ?? 0);
    const negative: unknown[] = p.negative?.bucketCounts ?? [];
    const positive: unknown[] = p.positive?.bucketCounts ?? [];
    for (let i = 0; i < negative.length; i++) {
      const pos = negative.length - i - 1;
      const index = (p.negative?.offset ?? 0) + pos;
      this.entry(`Bucket [${goFloatF(-Math.exp((index + 1) * factor))}, ${goFloatF(-Math.exp(index * factor))}), Count: ${integer(negative[pos])}`);
    }
    if (integer(p.zeroCount) !== '0') this.entry(`Bucket [0, 0], Count: ${integer(p.zeroCount)}`);
    positive.forEach((count, pos) => {
      const index = (p.positive?.offset ?? 0) + pos;
      this.entry(`Bucket (${goFloatF(Math.exp(index * factor))}, ${goFloatF(Math.exp((index + 1) * factor))}], Count: ${integer(count)}`);
    });
  }

  span(span: Node, index: number): void {
    this.entry(`Span #${index}`);
    this.attr('Trace ID', idHex(span.traceId));
    this.attr('Parent ID', idHex(span.parentSpanId));
    this.attr('ID', idHex(span.spanId));
    this.attr('Name', span.name ?? '');
    this.attr('Kind', SPAN_KINDS[span.kind ?? 0] ?? '');
    if (span.traceState) this.attr('TraceState', span.traceState);
    this.attr('Start time', timestamp(span.startTimeUnixNano));
    this.attr('End time', timestamp(span.endTimeUnixNano));
    this.attr('Status code', STATUS_CODES[span.status?.code ?? 0] ?? '');
    this.attr('Status message', span.status?.message ?? '');
    this.attr('DroppedAttributesCount', integer(span.droppedAttributesCount));
    this.attr('DroppedEventsCount', integer(span.droppedEventsCount));
    this.attr('DroppedLinksCount', integer(span.droppedLinksCount));
    this.attributes('Attributes', span.attributes);
    if (span.events?.length) {
      this.entry('Events:');
      span.events.forEach((e: Node, i: number) => {
        this.entry(`SpanEvent #${i}`);
        this.entry(`     -> Name: ${e.name ?? ''}`);
        this.entry(`     -> Timestamp: ${timestamp(e.timeUnixNano)}`);
        this.entry(`     -> DroppedAttributesCount: ${integer(e.droppedAttributesCount)}`);
        this.attributes('     -> Attributes:', e.attributes);
      });
    }
    if (span.links?.length) {
      this.entry('Links:');
      span.links.forEach((l: Node, i: number) => {
        this.entry(`SpanLink #${i}`);
        this.entry(`     -> Trace ID: ${idHex(l.traceId)}`);
        this.entry(`     -> ID: ${idHex(l.spanId)}`);
        this.entry(`     -> TraceState: ${l.traceState ?? ''}`);
        this.entry(`     -> DroppedAttributesCount: ${integer(l.droppedAttributesCount)}`);
        this.attributes('     -> Attributes:', l.attributes);
      });
    }
  }

  logRecord(record: Node, index: number): void {
    const severity = record.severityNumber ?? 0;
    this.entry(`LogRecord #${index}`);
    this.entry(`ObservedTimestamp: ${timestamp(record.observedTimeUnixNano)}`);
    this.entry(`Timestamp: ${timestamp(record.timeUnixNano)}`);
    this.entry(`SeverityText: ${record.severityText ?? ''}`);
    this.entry(`SeverityNumber: ${SEVERITY_NAMES[severity] ?? ''}(${severity})`);
    if (record.eventName) this.entry(`EventName: ${record.eventName}`);
    this.entry(`Body: ${valueTypeName(record.body)}(${valueAsString(record.body)})`);
    this.attributes('Attributes', record.attributes);
    this.entry(`Trace ID: ${idHex(record.traceId)}`);
    this.entry(`Span ID: ${idHex(record.spanId)}`);
    this.entry(`Flags: ${integer(record.flags)}`);
  }

  text(): string {
    return this.lines.map((line) => `${line}\n`).join('');
  }
}

/** The whole request as Go's detailed verbosity prints it (every line ends with a newline, as Go's). */
export function detailedText(data: PData): string {
  const request = data.request() as Node;
  const buf = new TextBuffer();
  switch (data.signal) {
    case 'traces':
      (request.resourceSpans ?? []).forEach((rs: Node, i: number) => {
        buf.resource('ResourceSpans', i, rs);
        (rs.scopeSpans ?? []).forEach((ss: Node, j: number) => {
          buf.scope('ScopeSpans', j, ss);
          (ss.spans ?? []).forEach((span: Node, k: number) => buf.span(span, k));
        });
      });
      break;
    case 'metrics':
      (request.resourceMetrics ?? []).forEach((rm: Node, i: number) => {
        buf.resource('ResourceMetrics', i, rm);
        (rm.scopeMetrics ?? []).forEach((sm: Node, j: number) => {
          buf.scope('ScopeMetrics', j, sm);
          (sm.metrics ?? []).forEach((metric: Node, k: number) => {
            buf.entry(`Metric #${k}`);
            buf.entry('Descriptor:');
            buf.entry(`     -> Name: ${metric.name ?? ''}`);
            buf.entry(`     -> Description: ${metric.description ?? ''}`);
            buf.entry(`     -> Unit: ${metric.unit ?? ''}`);
            const field = metricDataField(metric);
            buf.entry(`     -> DataType: ${METRIC_TYPES.find(([f]) => f === field)?.[1] ?? 'Empty'}`);
            buf.dataPoints(metric);
          });
        });
      });
      break;
    case 'logs':
      (request.resourceLogs ?? []).forEach((rl: Node, i: number) => {
        buf.resource('ResourceLog', i, rl);
        (rl.scopeLogs ?? []).forEach((sl: Node, j: number) => {
          buf.scope('ScopeLogs', j, sl);
          (sl.logRecords ?? []).forEach((record: Node, k: number) => buf.logRecord(record, k));
        });
      });
      break;
  }
  return buf.text();
}
