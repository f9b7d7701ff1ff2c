//! Runs the shared conformance cases of ipc/conformance/cases.json (ipc/SPEC.md section 8) against this crate.

use serde_json::Value;
use std::sync::Arc;
use tandem_ipc::{Consumer, Header, Producer, Region, RegionOptions, testing};

fn cases() -> Value {
    // Read at run time (cargo test sets it): a test binary from a shared target directory may come from another checkout.
    let path = format!(
        "{}/../conformance/cases.json",
        std::env::var("CARGO_MANIFEST_DIR").unwrap()
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `{"hex": ...}` or `{"size": n, "fill": "counter"}`.
fn bytes(v: &Value) -> Vec<u8> {
    if let Some(hex) = v.get("hex") {
        let hex = hex.as_str().unwrap();
        return (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
    }
    assert_eq!(v["fill"], "counter");
    (0..v["size"].as_u64().unwrap())
        .map(|i| (i & 0xff) as u8)
        .collect()
}

fn region_for(case: &Value) -> Arc<Region> {
    let capacity = case["capacity"].as_u64().unwrap();
    let max = case["max_message_size"].as_u64().unwrap() as u32;
    let region = Region::create_anonymous(RegionOptions {
        ring0_capacity: capacity,
        ring1_capacity: capacity,
        max_message_size: max,
        queue_size: 16,
    })
    .unwrap();
    // The cases fix the epoch; its low 32 bits are what records carry, so the region's epoch is set to match.
    let epoch = u64::from_str_radix(case["epoch"].as_str().unwrap(), 16).unwrap();
    testing::set_epoch(&region, epoch);
    Arc::new(region)
}

fn record_of(v: &Value) -> (Header, Vec<u8>) {
    let payload = bytes(&v["payload"]);
    let header = Header {
        length: payload.len() as u32,
        kind: v["type"].as_u64().unwrap() as u16,
        code: v["code"].as_u64().unwrap() as u16,
        correlation_id: v["correlation_id"].as_u64().unwrap(),
        route: v["route"].as_u64().unwrap() as u32,
    };
    (header, payload)
}

fn consume(region: &Arc<Region>) -> (Vec<(Header, Vec<u8>)>, Option<tandem_ipc::Corruption>) {
    let mut consumer = Consumer::new(region.clone(), 0);
    let mut got = Vec::new();
    let (outcome, _) = consumer.poll(|r| got.push((r.header, r.payload.to_vec())));
    (got, outcome.err())
}

#[test]
fn produce_cases() {
    let all = cases();
    for case in all["produce"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let region = region_for(case);
        let start = case["start"].as_u64().unwrap();
        testing::set_positions(&region, 0, start, start);
        let mut producer = Producer::new(region.clone(), 0);
        let records: Vec<_> = case["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(record_of)
            .collect();
        for (header, payload) in &records {
            assert!(producer.push(*header, payload), "{name}: ring full");
        }
        producer.publish();
        assert_eq!(
            testing::tail(&region, 0),
            case["expect"]["tail"].as_u64().unwrap(),
            "{name}: tail"
        );
        let mut expected = vec![0u8; case["capacity"].as_u64().unwrap() as usize];
        for range in case["expect"]["image"].as_array().unwrap() {
            let at = range["at"].as_u64().unwrap() as usize;
            let b = bytes(range);
            expected[at..at + b.len()].copy_from_slice(&b);
        }
        let image = testing::data(&region, 0);
        if let Some(i) = (0..expected.len()).find(|&i| image[i] != expected[i]) {
            panic!(
                "{name}: image differs first at byte {i}: {} != {}",
                image[i], expected[i]
            );
        }
        let (got, err) = consume(&region);
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(got, records, "{name}: consumed records");
    }
}

#[test]
fn consume_cases() {
    let all = cases();
    for case in all["consume"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let region = region_for(case);
        let data = testing::data(&region, 0);
        for range in case["image"].as_array().unwrap() {
            let at = range["at"].as_u64().unwrap() as usize;
            let b = bytes(range);
            data[at..at + b.len()].copy_from_slice(&b);
        }
        testing::set_positions(
            &region,
            0,
            case["head"].as_u64().unwrap(),
            case["tail"].as_u64().unwrap(),
        );
        let (got, err) = consume(&region);
        let expected: Vec<_> = case["expect"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(record_of)
            .collect();
        assert_eq!(got, expected, "{name}: records");
        match (&case["expect"]["error"], err) {
            (Value::Null, None) => {}
            (want, Some(e)) if !want.is_null() => {
                assert_eq!(
                    e.position,
                    want["position"].as_u64().unwrap(),
                    "{name}: error position"
                );
                assert_eq!(
                    e.field,
                    want["field"].as_str().unwrap(),
                    "{name}: error field ({})",
                    e.reason
                );
            }
            (want, got) => panic!("{name}: expected error {want}, got {got:?}"),
        }
    }
}
