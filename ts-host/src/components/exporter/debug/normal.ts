// The debug exporter's `normal` output, as the Go Collector's normal marshalers write it: a line per resource and
// per scope (`ResourceTraces #0 service.name=checkout`), then one line per span, data point or log record.
import type { otlp, PData } from '../../../pdata';
import { metricDataField } from './text';
import { goFloatF, goFloatV, idHex, integer, present, valueAsString } from './values';

type Node = otlp.Message;

const attributePairs = (attributes: Node[] | null | undefined): string[] => (attributes ?? []).map((kv) => `${kv.key}=${valueAsString(kv.value)}`);

/** ` k=v k2=v2`, or nothing without attributes. */
const attributesSuffix = (attributes: Node[] | null | undefined): string => attributePairs(attributes).map((pair) => ` ${pair}`).join('');

const resourceSuffix = (schemaUrl: string | undefined): string => (schemaUrl ? ` [${schemaUrl}]` : '');

function scopeSuffix(name = '', version = '', schemaUrl = ''): string {
  let details = name;
  if (version) details += `@${version}`;
  if (schemaUrl) details += `${details ? ' ' : ''}[${schemaUrl}]`;
  return details ? ` ${details}` : '';
}

/** The resource and scope header lines, then `items` for each scope. Go numbers the scope lines by resource. */
function grouped(resources: Node[] | null | undefined, titles: [string, string], scopesOf: string, items: (scope: Node) => string[]): string {
  const lines: string[] = [];
  (resources ?? []).forEach((r, i) => {
    lines.push(`${titles[0]} #${i}${resourceSuffix(r.schemaUrl)}${attributesSuffix(r.resource?.attributes)}`);
    for (const s of r[scopesOf] ?? []) {
      lines.push(`${titles[1]} #${i}${scopeSuffix(s.scope?.name, s.scope?.version, s.schemaUrl)}${attributesSuffix(s.scope?.attributes)}`);
      lines.push(...items(s));
    }
  });
  return lines.map((line) => `${line}\n`).join('');
}

function numberValue(p: Node): string {
  if (present(p.asInt) && (p.value === 'asInt' || !present(p.asDouble))) return integer(p.asInt);
  return present(p.asDouble) ? goFloatV(p.asDouble) : '';
}

function distribution(p: Node): string {
  let text = `count=${integer(p.count)}`;
  for (const field of ['sum', 'min', 'max']) if (present(p[field])) text += ` ${field}=${goFloatV(p[field])}`;
  return text;
}

function metricLines(metric: Node): string[] {
  const field = metricDataField(metric);
  if (!field) return [];
  const line = (p: Node, value: string) => `${metric.name ?? ''}{${attributePairs(p.attributes).join(',')}} ${value}`;
  const points: Node[] = metric[field].dataPoints ?? [];
  switch (field) {
    case 'histogram':
      return points.map((p) => {
        const bounds: number[] = p.explicitBounds ?? [];
        const buckets = (p.bucketCounts ?? []).map((c: unknown, j: number) => ` ${j < bounds.length ? `le${goFloatV(bounds[j])}=` : ''}${integer(c)}`);
        return line(p, distribution(p) + buckets.join(''));
      });
    case 'exponentialHistogram':
      return points.map((p) => line(p, distribution(p)));
    case 'summary':
      return points.map((p) => {
        const quantiles = (p.quantileValues ?? []).map((q: Node) => ` q${goFloatV(q.quantile ?? 0)}=${goFloatV(q.value ?? 0)}`);
        return line(p, `count=${integer(p.count)} sum=${goFloatF(p.sum ?? 0)}${quantiles.join('')}`);
      });
    default:
      return points.map((p) => line(p, numberValue(p)));
  }
}

/** What Go's normal verbosity prints for a request (every line ends with a newline, as Go's). */
export function normalText(data: PData): string {
  const request = data.request() as Node;
  switch (data.signal) {
    case 'traces':
      return grouped(request.resourceSpans, ['ResourceTraces', 'ScopeTraces'], 'scopeSpans', (ss) =>
        (ss.spans ?? []).map((span: Node) => {
          const attributes = attributePairs(span.attributes);
          return `${span.name ?? ''} ${idHex(span.traceId)} ${idHex(span.spanId)}${attributes.length ? ` ${attributes.join(' ')}` : ''}`;
        }));
    case 'metrics':
      return grouped(request.resourceMetrics, ['ResourceMetrics', 'ScopeMetrics'], 'scopeMetrics', (sm) => (sm.metrics ?? []).flatMap(metricLines));
    case 'logs':
      return grouped(request.resourceLogs, ['ResourceLog', 'ScopeLog'], 'scopeLogs', (sl) =>
        (sl.logRecords ?? []).map((record: Node) => `${valueAsString(record.body)} ${attributePairs(record.attributes).join(' ')}`));
  }
}
