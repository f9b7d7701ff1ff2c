//! The engine's OTLP request validation on any bytes a client could send: the first byte picks the signal, the rest
//! is the request. Besides not panicking: the wire walk admits exactly what prost's decode admits, and whatever it
//! admits the engine can encode again (as a batch or a routed part) into bytes that are admitted too and encode again
//! to themselves, so nothing admitted fails further down the pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_otlp_wire::reference::{decodes, reencoded};
use tandem_otlp_wire::{Export, validate};

fuzz_target!(|input: &[u8]| {
    let Some((first, request)) = input.split_first() else { return };
    let export = Export::ALL[*first as usize % 3];
    let walked = validate(export, request);
    assert_eq!(walked.is_ok(), decodes(export, request), "the walk and prost disagree: {walked:?}");
    if let Some(again) = reencoded(export, request) {
        assert!(validate(export, &again).is_ok(), "a re-encoded admitted request is refused");
        assert_eq!(reencoded(export, &again).as_deref(), Some(&again[..]), "re-encoding is not stable");
    }
});
