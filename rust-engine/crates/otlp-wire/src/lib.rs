//! What an OTLP receiver of the engine admits: bytes that decode as the `Export*ServiceRequest` of their signal,
//! strings in UTF-8 included, so that nothing admitted fails to decode later, inside a batch with other callers'
//! data. Checked by a walk over the wire format against the OTLP schema (`schema.rs`, `walk.rs`) that allocates
//! nothing, where a decode into owned messages allocated for every string, attribute and record; it admits exactly
//! what prost's decode admits (`reference.rs` and the fuzz target check it). On its own crate, nothing of
//! otap-dataflow, so that the fuzz target (`fuzz/`) builds with sanitizers in a few minutes on two cores.

mod schema;
mod walk;

#[cfg(any(test, feature = "reference"))]
pub mod reference;

pub use walk::{Malformed, Problem};

/// Which `Export*ServiceRequest` a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Traces,
    Metrics,
    Logs,
}

impl Export {
    pub const ALL: [Export; 3] = [Export::Traces, Export::Metrics, Export::Logs];
}

/// Checks that `request` decodes as the `Export*ServiceRequest` of `export`, or says why and where it does not.
pub fn validate(export: Export, request: &[u8]) -> Result<(), Malformed> {
    let shape = match export {
        Export::Traces => &schema::EXPORT_TRACE_SERVICE_REQUEST,
        Export::Metrics => &schema::EXPORT_METRICS_SERVICE_REQUEST,
        Export::Logs => &schema::EXPORT_LOGS_SERVICE_REQUEST,
    };
    walk::walk(request, shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept fuzz corpus (`fuzz/corpus/otlp_validate`): a first byte naming the signal, then the request.
    fn corpus() -> Vec<(String, Export, Vec<u8>)> {
        // The package folder as cargo runs the test, not as it was compiled: a target directory shared between
        // checkouts may run a binary built in another one, since removed.
        let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("fuzz/corpus/otlp_validate");
        let mut inputs: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        inputs.sort();
        inputs
            .into_iter()
            .map(|path| {
                let bytes = std::fs::read(&path).unwrap();
                (path.file_name().unwrap().to_string_lossy().into_owned(), Export::ALL[bytes[0] as usize % 3], bytes[1..].to_vec())
            })
            .collect()
    }

    // Scenario: the kept corpus, whose files are named by what they hold. Guarantee: the valid requests of every
    // signal validate, the others (invalid UTF-8 in a span name, a truncated request) are refused.
    #[test]
    fn the_kept_corpus_is_what_its_names_say() {
        let corpus = corpus();
        for export in Export::ALL {
            assert!(corpus.iter().any(|(name, e, _)| *e == export && name.starts_with("valid")), "{export:?}");
        }
        for (name, export, request) in corpus {
            assert_eq!(validate(export, &request).is_ok(), name.starts_with("valid"), "{name}");
        }
    }

    // Scenario: a trace request whose span name holds the bytes C3 28, and the same request with a valid name.
    // Guarantee: the first is refused naming the UTF-8 problem; the second is valid and encodes again to the same.
    #[test]
    fn invalid_utf8_in_a_string_is_refused() {
        let request = |name: &[u8]| {
            // ExportTraceServiceRequest { resource_spans { scope_spans { spans { name } } } }, built by hand so that
            // the name can hold bytes a Rust string cannot.
            let span = [&[0x2a, name.len() as u8][..], name].concat();
            let scope_spans = [&[0x12, span.len() as u8][..], &span].concat();
            let resource_spans = [&[0x12, scope_spans.len() as u8][..], &scope_spans].concat();
            [&[0x0a, resource_spans.len() as u8][..], &resource_spans].concat()
        };
        let refused = validate(Export::Traces, &request(&[0xc3, 0x28])).unwrap_err();
        assert!(refused.to_string().contains("UTF-8"), "{refused}");
        let valid = request(b"ok");
        assert!(validate(Export::Traces, &valid).is_ok());
        assert_eq!(reference::reencoded(Export::Traces, &valid), Some(valid));
    }
}
