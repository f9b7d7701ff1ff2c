//! The engine's OTLP request validation on any bytes a client could send: the first byte picks the signal, the rest
//! is the request. Besides not panicking: validating is deterministic, and whatever it admits the engine can encode
//! again (as a batch or a routed part) into bytes that are admitted too and encode again to themselves, so nothing
//! admitted fails further down the pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_otlp_wire::{Export, reencoded, validate};

fuzz_target!(|input: &[u8]| {
    let Some((first, request)) = input.split_first() else { return };
    let export = Export::ALL[*first as usize % 3];
    let admitted = validate(export, request).is_ok();
    assert_eq!(validate(export, request).is_ok(), admitted, "validating twice disagreed");
    assert_eq!(reencoded(export, request).is_some(), admitted, "validation and decoding disagree");
    if let Some(again) = reencoded(export, request) {
        assert!(validate(export, &again).is_ok(), "a re-encoded admitted request is refused");
        assert_eq!(reencoded(export, &again).as_deref(), Some(&again[..]), "re-encoding is not stable");
    }
});
