export { PdataError } from './errors';
export {
  emptyFor, fromJSONFor, fromProtoFor, fromRequestFor, Logs, Metrics, OTLPData, PData, PDataFor, pdataClasses, Traces,
} from './pdata';
export * as otlp from './otlp';
export type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './otlp';
export { ExportResponse, OTLPService, otlpServices, rawExportService } from './services';
export { UnsplittableError } from './wire';
export * as pcommon from './pcommon';
export * as ptrace from './ptrace';
export * as pmetric from './pmetric';
export * as plog from './plog';
