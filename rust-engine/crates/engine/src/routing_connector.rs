//! `rust_routing`: a connector that sends each resource of a request to the pipelines its table names for the value
//! of one resource attribute, and to `default_pipelines` when no row matches (the Collector's routing connector, with
//! its earlier attribute table instead of OTTL conditions). Requests are split by resource without decoding the
//! records: each resource's bytes go on as they came.

use crate::deployment::Instance;
use crate::node::{worst, Next, Node};
use crate::otlp_shape::RawRequest;
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::any_value;
use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
use prost::Message;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tandem_ipc::{Answer, RequestError};

pub const TYPE: &str = "rust_routing";

pub fn default_config() -> Value {
    serde_json::json!({ "attribute": "", "table": [], "default_pipelines": [] })
}

/// A `Resource{Spans,Metrics,Logs}` down to its resource (field 1); the scopes are skipped undecoded.
#[derive(Clone, PartialEq, Message)]
struct ResourceOnly {
    #[prost(message, optional, tag = "1")]
    resource: Option<Resource>,
}

/// The routing table as configured: attribute value -> pipeline IDs.
pub struct Config {
    attribute: String,
    table: Vec<(String, Vec<String>)>,
    default_pipelines: Vec<String>,
}

impl Config {
    pub fn from_json(config: &Value) -> Result<Config, String> {
        let attribute = config["attribute"].as_str().filter(|a| !a.is_empty()).ok_or("'attribute' must name the resource attribute to route by")?;
        let pipelines = |value: &Value, path: &str| -> Result<Vec<String>, String> {
            let list = value.as_array().ok_or_else(|| format!("'{path}' must be a list of pipeline IDs"))?;
            list.iter().map(|p| p.as_str().map(str::to_string).ok_or_else(|| format!("'{path}' must be a list of pipeline IDs, got {p}"))).collect()
        };
        let rows = config["table"].as_array().ok_or("'table' must be a list of {value, pipelines}")?;
        let table = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let value = row["value"].as_str().ok_or_else(|| format!("'table[{i}].value' must be a string"))?;
                let routes = pipelines(&row["pipelines"], &format!("table[{i}].pipelines"))?;
                if routes.is_empty() {
                    return Err(format!("'table[{i}].pipelines' must name at least one pipeline"));
                }
                Ok((value.to_string(), routes))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if table.is_empty() {
            return Err("'table' must have at least one row".into());
        }
        let default_pipelines = pipelines(&config["default_pipelines"], "default_pipelines")?;
        Ok(Config { attribute: attribute.to_string(), table, default_pipelines })
    }
}

pub struct Routing {
    attribute: String,
    /// Per attribute value, the consumers of its pipelines.
    routes: HashMap<String, Next>,
    default: Option<Next>,
}

impl Routing {
    /// Binds the table to the connector's targets (one per pipeline, in the deployment's order), with the
    /// Collector router's error for a pipeline the connector does not feed.
    pub fn new(config: Config, component: &Instance, next: Vec<Next>) -> Result<Arc<Self>, String> {
        let by_pipeline: HashMap<&str, Next> = component.next.iter().map(|t| t.pipeline.as_str()).zip(next).collect();
        let bind = |pipelines: &[String]| -> Result<Next, String> {
            let consumers = pipelines.iter().map(|p| by_pipeline.get(p.as_str()).cloned().ok_or_else(|| format!("missing consumer: \"{p}\"")));
            Next::all(consumers.collect::<Result<Vec<_>, _>>()?)
        };
        let routes = config.table.iter().map(|(value, pipelines)| Ok((value.clone(), bind(pipelines)?))).collect::<Result<_, String>>()?;
        let default = if config.default_pipelines.is_empty() { None } else { Some(bind(&config.default_pipelines)?) };
        Ok(Arc::new(Routing { attribute: config.attribute, routes, default }))
    }

    /// The attribute's value on a resource, when it is a string.
    fn value_of(&self, resource: &Bytes) -> Result<Option<String>, prost::DecodeError> {
        let resource = ResourceOnly::decode(resource.clone())?.resource.unwrap_or_default();
        let found = resource.attributes.into_iter().find(|kv| kv.key == self.attribute);
        Ok(found.and_then(|kv| match kv.value?.value? {
            any_value::Value::StringValue(s) => Some(s),
            _ => None,
        }))
    }
}

impl Node for Routing {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        // Resources grouped by where they go, keeping their order; unrouted ones (no match, no default) are dropped,
        // as the Collector's routing connector drops them.
        let mut groups: Vec<(Option<String>, Vec<Bytes>)> = Vec::new();
        let request = match RawRequest::decode(payload) {
            Ok(request) => request,
            Err(e) => return Box::pin(futures::future::ready(Err(RequestError::Permanent(format!("{TYPE}: malformed OTLP: {e}"))))),
        };
        for resource in request.resources {
            let route = match self.value_of(&resource) {
                Ok(value) => value.filter(|v| self.routes.contains_key(v)),
                Err(e) => return Box::pin(futures::future::ready(Err(RequestError::Permanent(format!("{TYPE}: malformed OTLP: {e}"))))),
            };
            match groups.iter_mut().find(|(r, _)| *r == route) {
                Some((_, resources)) => resources.push(resource),
                None => groups.push((route, vec![resource])),
            }
        }
        let sends: Vec<_> = groups
            .into_iter()
            .filter_map(|(route, resources)| {
                let next = match &route {
                    Some(value) => self.routes.get(value),
                    None => self.default.as_ref(),
                }?;
                Some(next.send(signal, Bytes::from(RawRequest { resources }.encode_to_vec())))
            })
            .collect();
        Box::pin(async move { worst(futures::future::join_all(sends).await) })
    }
}
