//! Deterministic, realistic-looking OTLP requests for the OTAP benchmark. Wire size and translation cost depend on the
//! data, so it should look like what a collector sees: a handful of services and pods as resources, low-cardinality
//! names and attribute keys with a mix of repeated and unique values (ids, durations, paths with ids in them), trace
//! and span ids that are random, spans grouped in traces. The same seed always gives the same bytes.

use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, any_value::Value,
};
use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, SpanKind};
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::status::StatusCode;
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{
    ResourceSpans, ScopeSpans, Span, Status,
};

/// Resources (service instances) in each request; a request's items are spread evenly over them.
const RESOURCES_PER_REQUEST: usize = 4;
const START_UNIX_NANO: u64 = 1_700_000_000_000_000_000;
const MILLISECOND: u64 = 1_000_000;

const SERVICES: [(&str, &str, &str); 6] = [
    ("frontend", "1.4.2", "io.opentelemetry.express"),
    ("checkout", "2.0.1", "io.opentelemetry.spring-webmvc-6.0"),
    (
        "cart",
        "0.9.7",
        "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
    ),
    ("payment", "3.1.0", "io.opentelemetry.grpc-1.6"),
    ("inventory", "1.2.5", "opentelemetry.instrumentation.flask"),
    ("auth", "5.0.3", "io.opentelemetry.spring-webmvc-6.0"),
];
const HOSTS: [&str; 4] = [
    "ip-10-0-1-17.ec2.internal",
    "ip-10-0-1-94.ec2.internal",
    "ip-10-0-2-33.ec2.internal",
    "ip-10-0-3-8.ec2.internal",
];
const POD_SUFFIXES: [&str; 3] = ["x2k9q", "b7tlm", "p4wzr"];
const ROUTES: [&str; 6] = [
    "/api/orders/:id",
    "/api/cart",
    "/api/products",
    "/api/checkout",
    "/api/users/:id",
    "/healthz",
];
const METHODS: [&str; 4] = ["GET", "GET", "POST", "PUT"];
const STATUS_CODES: [i64; 8] = [200, 200, 200, 200, 201, 204, 404, 500];
const THREADS: [&str; 5] = [
    "main",
    "worker-1",
    "worker-2",
    "worker-3",
    "grpc-default-executor-0",
];
const FUNCTIONS: [&str; 5] = [
    "handleRequest",
    "loadCart",
    "chargeCard",
    "reserveStock",
    "renderPage",
];
const USER_AGENTS: [&str; 3] = [
    "Mozilla/5.0 (X11; Linux x86_64)",
    "okhttp/4.12.0",
    "python-requests/2.31.0",
];
const EXCEPTIONS: [&str; 3] = [
    "java.net.SocketTimeoutException",
    "io.grpc.StatusRuntimeException",
    "ValueError",
];

/// SplitMix64: small, fast and good enough to spread values.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.below(100) < chance
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn id(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn hex(&mut self, digits: usize) -> String {
        self.id(digits.div_ceil(2))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()[..digits]
            .to_string()
    }

    fn ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.below(4),
            self.below(256),
            self.below(256)
        )
    }
}

fn attribute(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
    }
}

fn text(value: impl Into<String>) -> Value {
    Value::StringValue(value.into())
}

/// An attribute key with the way its values are drawn.
type Vocabulary = [(&'static str, fn(&mut Rng) -> Value)];

/// Between `min` and `max` distinct attributes of the vocabulary (all of it if smaller), in vocabulary order.
fn some_attributes(rng: &mut Rng, vocabulary: &Vocabulary, min: u64, max: u64) -> Vec<KeyValue> {
    let wanted = ((min + rng.below(max - min + 1)) as usize).min(vocabulary.len());
    let mut chosen: Vec<usize> = (0..vocabulary.len()).collect();
    for i in 0..wanted {
        let j = i + rng.below((chosen.len() - i) as u64) as usize;
        chosen.swap(i, j);
    }
    chosen.truncate(wanted);
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|i| attribute(vocabulary[i].0, (vocabulary[i].1)(rng)))
        .collect()
}

/// A service instance (one of a few pods of one of a few services): its resource and its instrumentation scope.
fn resource(rng: &mut Rng) -> (Resource, InstrumentationScope) {
    let (service, version, scope) = rng.pick(&SERVICES);
    let pod = format!("{service}-7d9f8c-{}", rng.pick(&POD_SUFFIXES));
    let attributes = vec![
        attribute("service.name", text(service)),
        attribute("service.version", text(version)),
        attribute("deployment.environment.name", text("production")),
        attribute("host.name", text(rng.pick(&HOSTS))),
        attribute("k8s.pod.name", text(pod)),
    ];
    (
        Resource {
            attributes,
            ..Default::default()
        },
        InstrumentationScope {
            name: scope.into(),
            version: "2.10.0".into(),
            ..Default::default()
        },
    )
}

const LOG_ATTRIBUTES: &Vocabulary = &[
    ("http.request.method", |rng| text(rng.pick(&METHODS))),
    ("http.route", |rng| text(rng.pick(&ROUTES))),
    ("http.response.status_code", |rng| {
        Value::IntValue(rng.pick(&STATUS_CODES))
    }),
    ("user.id", |rng| text(format!("u-{}", rng.below(5000)))),
    ("duration_ms", |rng| {
        Value::DoubleValue(rng.below(250_000) as f64 / 1000.0)
    }),
    ("retry", |rng| Value::BoolValue(rng.percent(10))),
    ("thread.name", |rng| text(rng.pick(&THREADS))),
    ("code.function", |rng| text(rng.pick(&FUNCTIONS))),
    ("code.lineno", |rng| {
        Value::IntValue(40 + 7 * rng.below(30) as i64)
    }),
    ("network.peer.address", |rng| text(rng.ip())),
];

/// A log line from one of a few templates, with the ids and numbers that make real log bodies unique.
fn log_body(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => format!(
            "{} {} completed in {}ms status={}",
            rng.pick(&METHODS),
            rng.pick(&ROUTES),
            rng.below(900),
            rng.pick(&STATUS_CODES)
        ),
        1 => format!("user u-{} logged in from {}", rng.below(5000), rng.ip()),
        2 => format!("cache miss for key session:{}", rng.hex(16)),
        3 => format!(
            "order {} created with {} items",
            100_000 + rng.below(900_000),
            1 + rng.below(9)
        ),
        4 => format!(
            "payment {}-{}-{} authorised amount={}.{:02} currency=USD",
            rng.hex(8),
            rng.hex(4),
            rng.hex(12),
            rng.below(500),
            rng.below(100)
        ),
        5 => format!(
            "retrying request to {}:8080 attempt {}",
            rng.pick(&HOSTS),
            1 + rng.below(3)
        ),
        6 => format!(
            "connection pool exhausted, waited {}ms for a connection",
            rng.below(2000)
        ),
        _ => format!("failed to parse header x-request-id={}", rng.hex(32)),
    }
}

/// (number, text) of a severity: mostly INFO, some DEBUG and WARN, a few ERROR.
fn severity(rng: &mut Rng) -> (i32, &'static str) {
    match rng.below(100) {
        0..70 => (9, "INFO"),
        70..85 => (5, "DEBUG"),
        85..95 => (13, "WARN"),
        _ => (17, "ERROR"),
    }
}

fn log_record(rng: &mut Rng, time: u64) -> LogRecord {
    let (severity_number, severity_text) = severity(rng);
    let traced = rng.percent(80);
    LogRecord {
        time_unix_nano: time,
        observed_time_unix_nano: time + rng.below(5 * MILLISECOND),
        severity_number,
        severity_text: severity_text.into(),
        body: Some(AnyValue {
            value: Some(text(log_body(rng))),
        }),
        attributes: some_attributes(rng, LOG_ATTRIBUTES, 3, 6),
        flags: traced as u32,
        trace_id: if traced { rng.id(16) } else { Vec::new() },
        span_id: if traced { rng.id(8) } else { Vec::new() },
        ..Default::default()
    }
}

/// The `index`th request of a stream: `records` log records over RESOURCES_PER_REQUEST service instances.
pub fn logs_request(rng: &mut Rng, index: u64, records: usize) -> ExportLogsServiceRequest {
    let mut time = START_UNIX_NANO + index * 1000 * MILLISECOND;
    let resource_logs = (0..RESOURCES_PER_REQUEST)
        .map(|r| {
            let (resource, scope) = resource(rng);
            let log_records = (0..share(records, r))
                .map(|_| {
                    time += rng.below(2 * MILLISECOND);
                    log_record(rng, time)
                })
                .collect();
            ResourceLogs {
                resource: Some(resource),
                scope_logs: vec![ScopeLogs {
                    scope: Some(scope),
                    log_records,
                    ..Default::default()
                }],
                ..Default::default()
            }
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }
}

/// The items of `total` that the `r`th resource of a request holds.
fn share(total: usize, r: usize) -> usize {
    total / RESOURCES_PER_REQUEST + usize::from(r < total % RESOURCES_PER_REQUEST)
}

const SERVER_ATTRIBUTES: &Vocabulary = &[
    ("http.request.method", |rng| text(rng.pick(&METHODS))),
    ("http.route", |rng| text(rng.pick(&ROUTES))),
    ("http.response.status_code", |rng| {
        Value::IntValue(rng.pick(&STATUS_CODES))
    }),
    ("url.path", |rng| {
        text(format!("/api/orders/{}", 100_000 + rng.below(900_000)))
    }),
    ("server.address", |_| text("shop.example.com")),
    ("client.address", |rng| text(rng.ip())),
    ("user_agent.original", |rng| text(rng.pick(&USER_AGENTS))),
];

const CLIENT_ATTRIBUTES: &Vocabulary = &[
    ("db.system", |_| text("postgresql")),
    ("db.namespace", |_| text("shop")),
    ("db.query.text", |rng| {
        text(format!(
            "SELECT * FROM orders WHERE id = {}",
            100_000 + rng.below(900_000)
        ))
    }),
    ("server.address", |rng| text(rng.pick(&HOSTS))),
    ("server.port", |rng| {
        Value::IntValue(rng.pick(&[5432, 6379, 8080]))
    }),
    ("rpc.system", |_| text("grpc")),
    ("rpc.grpc.status_code", |rng| {
        Value::IntValue(if rng.percent(95) { 0 } else { 14 })
    }),
];

const INTERNAL_ATTRIBUTES: &Vocabulary = &[
    ("component", |rng| text(rng.pick(&FUNCTIONS))),
    ("items", |rng| Value::IntValue(rng.below(20) as i64)),
    ("cache.hit", |rng| Value::BoolValue(rng.percent(70))),
    ("thread.name", |rng| text(rng.pick(&THREADS))),
];

const SERVER_NAMES: [&str; 5] = [
    "GET /api/orders/:id",
    "POST /api/cart",
    "GET /api/products",
    "POST /api/checkout",
    "GET /api/users/:id",
];
const CLIENT_NAMES: [&str; 4] = [
    "SELECT shop.orders",
    "INSERT shop.order_items",
    "GET",
    "payment.PaymentService/Charge",
];
const INTERNAL_NAMES: [&str; 3] = ["render template", "validate cart", "compute tax"];

/// An exception or retry event, on some spans.
fn event(rng: &mut Rng, time: u64) -> Event {
    let (name, attributes) = if rng.percent(60) {
        let kind = rng.pick(&EXCEPTIONS);
        (
            "exception",
            vec![
                attribute("exception.type", text(kind)),
                attribute(
                    "exception.message",
                    text(format!("deadline exceeded after {}ms", rng.below(5000))),
                ),
            ],
        )
    } else {
        (
            "retry",
            vec![attribute(
                "attempt",
                Value::IntValue(1 + rng.below(3) as i64),
            )],
        )
    };
    Event {
        time_unix_nano: time,
        name: name.into(),
        attributes,
        ..Default::default()
    }
}

/// One span of a trace: the first is the service's server span, the others its children.
fn span(rng: &mut Rng, trace_id: &[u8], root: Option<&Span>, start: u64) -> Span {
    let (kind, names, vocabulary) = match (root, rng.below(3)) {
        (None, _) => (SpanKind::Server, &SERVER_NAMES[..], SERVER_ATTRIBUTES),
        (Some(_), 0) => (SpanKind::Internal, &INTERNAL_NAMES[..], INTERNAL_ATTRIBUTES),
        (Some(_), _) => (SpanKind::Client, &CLIENT_NAMES[..], CLIENT_ATTRIBUTES),
    };
    let duration = if root.is_none() {
        5 * MILLISECOND + rng.below(400 * MILLISECOND)
    } else {
        100_000 + rng.below(20 * MILLISECOND)
    };
    let failed = rng.percent(3);
    Span {
        trace_id: trace_id.to_vec(),
        span_id: rng.id(8),
        parent_span_id: root.map(|r| r.span_id.clone()).unwrap_or_default(),
        flags: 1,
        name: rng.pick(names).into(),
        kind: kind as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: start + duration,
        attributes: some_attributes(rng, vocabulary, 3, 6),
        events: if rng.percent(10) {
            vec![event(rng, start + duration / 2)]
        } else {
            Vec::new()
        },
        status: failed.then(|| Status {
            code: StatusCode::Error as i32,
            message: "upstream unavailable".into(),
        }),
        ..Default::default()
    }
}

/// The `index`th request of a stream: `spans` spans over RESOURCES_PER_REQUEST service instances, in traces of 1 to 8
/// spans (a server span and its children).
pub fn traces_request(rng: &mut Rng, index: u64, spans: usize) -> ExportTraceServiceRequest {
    let mut time = START_UNIX_NANO + index * 1000 * MILLISECOND;
    let resource_spans = (0..RESOURCES_PER_REQUEST)
        .map(|r| {
            let (resource, scope) = resource(rng);
            let wanted = share(spans, r);
            let mut spans: Vec<Span> = Vec::with_capacity(wanted);
            while spans.len() < wanted {
                time += rng.below(3 * MILLISECOND);
                let trace_id = rng.id(16);
                let root = span(rng, &trace_id, None, time);
                let children = (rng.below(8) as usize).min(wanted - spans.len() - 1);
                let offsets: Vec<u64> = (0..children)
                    .map(|_| rng.below(root.end_time_unix_nano - root.start_time_unix_nano))
                    .collect();
                let children: Vec<Span> = offsets
                    .into_iter()
                    .map(|offset| span(rng, &trace_id, Some(&root), time + offset))
                    .collect();
                spans.push(root);
                spans.extend(children);
            }
            ResourceSpans {
                resource: Some(resource),
                scope_spans: vec![ScopeSpans {
                    scope: Some(scope),
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}
