//! Repairs around otel-arrow-dfe-pdata 0.62 and the Go Collector's OTel-Arrow encoder, so that what Tandem
//! translates comes out as it went in. Each was found by `tests/otap_roundtrip.rs` or the Go Collector oracle
//! (`integration-tests/oracle/`), and each is tested there or in `tests/go_interop.rs`.

use bytes::Bytes;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use otel_arrow_dfe_pdata::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float64Array, Int64Array, ListArray, PrimitiveArray, RecordBatch, Scalar, StringArray,
    StructArray, UInt8Array, UInt16Array, UInt32Array, new_null_array,
};
use otel_arrow_dfe_pdata::arrow::compute::kernels::cmp::eq;
use otel_arrow_dfe_pdata::arrow::compute::kernels::zip::zip;
use otel_arrow_dfe_pdata::arrow::compute::{cast, is_not_null, take_record_batch};
use otel_arrow_dfe_pdata::arrow::datatypes::{
    ArrowPrimitiveType, DataType as ArrowDataType, Field, FieldRef, Schema, UInt16Type, UInt32Type, UInt64Type,
};
use otel_arrow_dfe_pdata::arrow::error::ArrowError;
use otel_arrow_dfe_pdata::arrow::ipc::writer::{DictionaryTracker, IpcDataGenerator, IpcWriteOptions, write_message};
use otel_arrow_dfe_pdata::arrow::ipc::{self, convert::fb_to_schema};
use otel_arrow_dfe_pdata::otlp::attributes::AttributeValueType;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::ArrowPayloadType;
use otel_arrow_dfe_pdata::schema::consts;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// pdata 0.62 writes a link's `dropped_attributes_count` (Link field 5) under field 10, which OTLP readers skip. Both
/// tags are one byte (0x28, 0x50) and field 10 does not exist in a Link, so the tag is corrected in place, along the
/// path request.resource_spans(1).scope_spans(2).spans(2).links(13).
pub fn with_link_dropped_counts(request: Bytes) -> Bytes {
    const PATH: [u64; 4] = [1, 2, 2, 13];
    const WRONG_TAG: u8 = 10 << 3; // field 10, varint
    const RIGHT_TAG: u8 = 5 << 3; // field 5, varint
    let mut bytes = request.to_vec();
    let mut links = Vec::new();
    messages_in(&bytes, 0..bytes.len(), &PATH, &mut links);
    let mut fixed = false;
    for range in links {
        let mut at = range.start;
        while at < range.end {
            let Some((field, wire, value_at)) = field_header(&bytes, at) else { break };
            if field == 10 && wire == 0 && bytes[at] == WRONG_TAG {
                bytes[at] = RIGHT_TAG;
                fixed = true;
            }
            let Some(end) = field_end(&bytes, wire, value_at) else { break };
            at = end;
        }
    }
    if fixed { Bytes::from(bytes) } else { request }
}

/// The byte ranges of the length-delimited fields reached by following `path` (field numbers) within `range`.
fn messages_in(bytes: &[u8], range: std::ops::Range<usize>, path: &[u64], found: &mut Vec<std::ops::Range<usize>>) {
    let Some((&wanted, deeper)) = path.split_first() else { return found.push(range) };
    let mut at = range.start;
    while at < range.end {
        let Some((field, wire, value_at)) = field_header(bytes, at) else { return };
        let Some(end) = field_end(bytes, wire, value_at).filter(|end| *end <= range.end) else { return };
        if field == wanted && wire == 2 {
            let (_, content_at) = varint(bytes, value_at).expect("read by field_end");
            messages_in(bytes, content_at..end, deeper, found);
        }
        at = end;
    }
}

/// A varint at `at`: its value and where it ends.
fn varint(bytes: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some((value, at));
        }
    }
    None
}

/// A field's number, wire type and where its value starts.
fn field_header(bytes: &[u8], at: usize) -> Option<(u64, u8, usize)> {
    let (tag, value_at) = varint(bytes, at)?;
    Some((tag >> 3, (tag & 7) as u8, value_at))
}

/// Where a field's value ends.
fn field_end(bytes: &[u8], wire: u8, value_at: usize) -> Option<usize> {
    match wire {
        0 => varint(bytes, value_at).map(|(_, end)| end),
        1 => Some(value_at + 8),
        2 => varint(bytes, value_at).and_then(|(length, at)| at.checked_add(length as usize)),
        5 => Some(value_at + 4),
        _ => None,
    }
}

/// Record batches to be encoded for an Arrow stream, with a value column for each attribute type their rows use.
/// pdata 0.62 leaves a column out when every value in it is the type's default (`int` when every int attribute is 0,
/// `AdaptiveArrayBuilder` with `default_values_optional`), and its transport encoding then takes those rows' values for
/// unequal and writes their parent IDs as absolute. The Go Collector's decoder (`AttrsParentIDDecoder` in otel-arrow
/// `go/pkg/otel/common/otlp/attributes.go`) reads a missing value as the default, takes equal keys and values for a
/// run of delta-encoded parent IDs and adds them up: telemetrygen's `link.index = 0` on 150 links landed on a few
/// links only. With the column there, both sides agree that equal values are delta-encoded.
pub fn with_default_attribute_values(mut records: OtapArrowRecords) -> Result<OtapArrowRecords, String> {
    let failed = |e: &dyn std::fmt::Display| format!("OTAP encoding: {e}");
    for &payload_type in records.allowed_payload_types() {
        let Some(batch) = records.get(payload_type) else { continue };
        let (Some(types), true) = (batch.column_by_name(consts::ATTRIBUTE_TYPE), batch.column_by_name(consts::ATTRIBUTE_KEY).is_some()) else {
            continue;
        };
        let Some(types) = types.as_primitive_opt::<otel_arrow_dfe_pdata::arrow::datatypes::UInt8Type>() else { continue };
        let mut batch = batch.clone();
        let mut changed = false;
        for (value_type, name) in [
            (AttributeValueType::Str, consts::ATTRIBUTE_STR),
            (AttributeValueType::Int, consts::ATTRIBUTE_INT),
            (AttributeValueType::Double, consts::ATTRIBUTE_DOUBLE),
            (AttributeValueType::Bool, consts::ATTRIBUTE_BOOL),
            (AttributeValueType::Bytes, consts::ATTRIBUTE_BYTES),
        ] {
            let of_type = eq(types, &Scalar::new(UInt8Array::from(vec![value_type as u8]))).map_err(|e| failed(&e))?;
            if batch.column_by_name(name).is_some() || of_type.true_count() == 0 {
                continue;
            }
            let default: ArrayRef = match value_type {
                AttributeValueType::Str => Arc::new(StringArray::from(vec![""])),
                AttributeValueType::Int => Arc::new(Int64Array::from(vec![0])),
                AttributeValueType::Double => Arc::new(Float64Array::from(vec![0.0])),
                AttributeValueType::Bool => Arc::new(BooleanArray::from(vec![false])),
                _ => Arc::new(BinaryArray::from(vec![&b""[..]])),
            };
            let nulls = new_null_array(default.data_type(), 1);
            let column = zip(&of_type, &Scalar::new(default.clone()), &Scalar::new(nulls)).map_err(|e| failed(&e))?;
            let mut fields: Vec<FieldRef> = batch.schema().fields().iter().cloned().collect();
            fields.push(Arc::new(Field::new(name, default.data_type().clone(), true)));
            let mut columns = batch.columns().to_vec();
            columns.push(column);
            batch = RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, batch.schema().metadata().clone())), columns)
                .map_err(|e| failed(&e))?;
            changed = true;
        }
        if changed {
            records.set(payload_type, batch).map_err(|e| failed(&e))?;
        }
    }
    Ok(records)
}

/// The children whose rows the stream's transport encoding sorts by their own values (events and links by name and
/// trace ID, exemplars by value), and their attributes.
const SORTED_CHILDREN: [(ArrowPayloadType, ArrowPayloadType); 5] = [
    (ArrowPayloadType::SpanEvents, ArrowPayloadType::SpanEventAttrs),
    (ArrowPayloadType::SpanLinks, ArrowPayloadType::SpanLinkAttrs),
    (ArrowPayloadType::NumberDpExemplars, ArrowPayloadType::NumberDpExemplarAttrs),
    (ArrowPayloadType::HistogramDpExemplars, ArrowPayloadType::HistogramDpExemplarAttrs),
    (ArrowPayloadType::ExpHistogramDpExemplars, ArrowPayloadType::ExpHistogramDpExemplarAttrs),
];

/// A batch from an Arrow stream, with its IDs decoded, each resource's scopes under IDs of their own
/// (`scope_ids_apart_per_resource`), its histogram zeros back (`zeros_for_nulls_in_lists`), and the
/// children of `SORTED_CHILDREN` put back in parent order and renumbered in that order. pdata 0.62's OTLP encoder visits such children parent by parent and looks up their
/// attributes with a cursor that only moves forward, so children numbered out of parent order lose their attributes.
pub fn repaired_stream_batch(mut records: OtapArrowRecords) -> Result<OtapArrowRecords, String> {
    let failed = |e: &dyn std::fmt::Display| format!("OTAP decoding: {e}");
    records.decode_transport_optimized_ids().map_err(|e| failed(&e))?;
    scope_ids_apart_per_resource(&mut records).map_err(|e| failed(&e))?;
    if let Some(points) = records.get(ArrowPayloadType::HistogramDataPoints) {
        let points = zeros_for_nulls_in_lists(points).map_err(|e| failed(&e))?;
        records.set(ArrowPayloadType::HistogramDataPoints, points).map_err(|e| failed(&e))?;
    }
    for (children, attributes) in SORTED_CHILDREN {
        let Some(batch) = records.get(children) else { continue };
        let (batch, renumbered) = renumber_in_parent_order(batch).map_err(|e| failed(&e))?;
        records.set(children, batch).map_err(|e| failed(&e))?;
        if let Some(attrs) = records.get(attributes).filter(|_| !renumbered.is_empty()) {
            let attrs = remap_parent_ids(attrs, &renumbered).map_err(|e| failed(&e))?;
            records.set(attributes, attrs).map_err(|e| failed(&e))?;
        }
    }
    Ok(records)
}

/// The root batch with a scope ID of its own for each (resource ID, scope ID) pair, and the scope attributes copied to
/// each new ID. The Go Collector's encoder gives equal scopes of different resources one scope ID (telemetrygen's
/// `telemetrygen` scope under three services: scope 0 in resources 0, 1 and 2); pdata 0.62's OTLP encoder
/// (`encode_scope_logs`, `encode_scope_spans`, `encode_scope_metrics` in `otlp/{logs,traces,metrics}.rs`) ends a
/// scope only where the scope ID changes, so it would put every record of resources 1 and 2 under resource 0.
fn scope_ids_apart_per_resource(records: &mut OtapArrowRecords) -> Result<(), ArrowError> {
    let root_type = records.root_payload_type();
    let Some(root) = records.get(root_type) else { return Ok(()) };
    let (Some(resources), Some(scope_column)) = (struct_id_column(root, consts::RESOURCE)?, root.column_by_name(consts::SCOPE)) else {
        return Ok(());
    };
    let Some(scopes) = struct_id_column(root, consts::SCOPE)? else { return Ok(()) };
    let pair = |row: usize| (resources.is_valid(row).then(|| resources.value(row)), scopes.is_valid(row).then(|| scopes.value(row)));
    // New IDs in (resource, scope) order, so that records sorted by resource, scope and ID keep their order.
    let mut pairs: BTreeMap<(Option<u16>, Option<u16>), u16> = (0..root.num_rows()).map(|row| (pair(row), 0)).collect();
    let mut resource_of_scope = HashMap::new();
    let shared = pairs.keys().any(|&(resource, scope)| *resource_of_scope.entry(scope).or_insert(resource) != resource);
    if !shared {
        return Ok(());
    }
    if pairs.len() > usize::from(u16::MAX) + 1 {
        return Err(ArrowError::InvalidArgumentError(format!("{} scopes in one batch: more than 16-bit IDs can tell apart", pairs.len())));
    }
    for (new, id) in pairs.values_mut().enumerate() {
        *id = new as u16;
    }
    let new_ids: UInt16Array = (0..root.num_rows()).map(|row| Some(pairs[&pair(row)])).collect();
    let scope_struct = scope_column.as_struct();
    let (fields, mut children, nulls) = scope_struct.clone().into_parts();
    let position = fields.find(consts::ID).expect("read above").0;
    children[position] = Arc::new(new_ids);
    let mut columns = root.columns().to_vec();
    columns[root.schema().index_of(consts::SCOPE)?] = Arc::new(StructArray::try_new(fields, children, nulls)?);
    let root = RecordBatch::try_new(root.schema(), columns)?;
    records.set(root_type, root).map_err(|e| ArrowError::ExternalError(Box::new(e)))?;

    let Some(attrs) = records.get(ArrowPayloadType::ScopeAttrs) else { return Ok(()) };
    let parents = column_as::<UInt16Type>(attrs, consts::PARENT_ID)?;
    let mut rows_of_scope: HashMap<u16, Vec<u32>> = HashMap::new();
    for (row, parent) in parents.iter().enumerate() {
        if let Some(parent) = parent {
            rows_of_scope.entry(parent).or_default().push(row as u32);
        }
    }
    let (mut rows, mut new_parents) = (Vec::new(), Vec::new());
    for (&(_, scope), &new) in &pairs {
        for &row in scope.and_then(|s| rows_of_scope.get(&s)).into_iter().flatten() {
            rows.push(row);
            new_parents.push(new);
        }
    }
    let copied = take_record_batch(attrs, &UInt32Array::from(rows))?;
    let attrs = with_column(&copied, consts::PARENT_ID, Arc::new(UInt16Array::from(new_parents)))?;
    records.set(ArrowPayloadType::ScopeAttrs, attrs).map_err(|e| ArrowError::ExternalError(Box::new(e)))
}

/// The `id` child of a struct column of a batch (`resource`, `scope`), if both exist.
fn struct_id_column(batch: &RecordBatch, name: &str) -> Result<Option<UInt16Array>, ArrowError> {
    let Some(column) = batch.column_by_name(name) else { return Ok(None) };
    let Some(ids) = column.as_struct_opt().and_then(|s| s.column_by_name(consts::ID)) else { return Ok(None) };
    Ok(Some(cast(ids, &ArrowDataType::UInt16)?.as_primitive::<UInt16Type>().clone()))
}

/// A batch with one column replaced by an array of another (primitive) type.
fn with_column(batch: &RecordBatch, name: &str, array: Arc<dyn Array>) -> Result<RecordBatch, ArrowError> {
    let position = batch.schema().index_of(name)?;
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[position] = fields[position].clone().with_data_type(array.data_type().clone());
    let mut columns = batch.columns().to_vec();
    columns[position] = array;
    RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, batch.schema().metadata().clone())), columns)
}

/// Sorts a child batch by parent ID (stably) and gives its IDs new values in that order; returns old ID -> new ID.
fn renumber_in_parent_order(batch: &RecordBatch) -> Result<(RecordBatch, HashMap<u32, u32>), ArrowError> {
    let parents = column_as::<UInt64Type>(batch, consts::PARENT_ID)?;
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    order.sort_by_key(|&row| parents.value(row as usize));
    let batch = take_record_batch(batch, &UInt32Array::from(order))?;
    let Some(position) = batch.schema().index_of(consts::ID).ok() else { return Ok((batch, HashMap::new())) };
    let old_ids = column_as::<UInt32Type>(&batch, consts::ID)?;
    let mut renumbered = HashMap::new();
    let new_ids: UInt32Array = old_ids
        .iter()
        .map(|id| {
            id.map(|old| {
                let new = renumbered.len() as u32;
                renumbered.insert(old, new);
                new
            })
        })
        .collect();
    let mut columns = batch.columns().to_vec();
    columns[position] = Arc::new(new_ids);
    Ok((RecordBatch::try_new(batch.schema(), columns)?, renumbered))
}

/// An attributes batch whose parent IDs went through `renumbered` (as plain UInt32).
fn remap_parent_ids(batch: &RecordBatch, renumbered: &HashMap<u32, u32>) -> Result<RecordBatch, ArrowError> {
    let parents = column_as::<UInt32Type>(batch, consts::PARENT_ID)?;
    let remapped: UInt32Array = parents.iter().map(|p| p.map(|old| renumbered.get(&old).copied().unwrap_or(old))).collect();
    with_column(batch, consts::PARENT_ID, Arc::new(remapped))
}

/// An IPC stream's bytes with every field of its leading schema message made nullable. The Go Collector's encoder
/// declares columns non-nullable and then writes nulls in them (a metric's `unit`, a scope's `schema_url`), which
/// arrow-rs refuses to read; the data itself is valid OTAP.
pub fn nullable_schema(stream: &[u8]) -> Result<Vec<u8>, ArrowError> {
    // An encapsulated IPC message: 0xFFFFFFFF, the flatbuffer's length (i32, little-endian), the flatbuffer, the body.
    let malformed = || ArrowError::IpcError("malformed IPC message".into());
    let (Some([0xff, 0xff, 0xff, 0xff]), Some(length)) = (stream.get(0..4), stream.get(4..8)) else { return Err(malformed()) };
    let length = u32::from_le_bytes(length.try_into().expect("4 bytes")) as usize;
    let message = ipc::root_as_message(stream.get(8..8 + length).ok_or_else(malformed)?).map_err(|e| ArrowError::IpcError(e.to_string()))?;
    let Some(schema) = message.header_as_schema() else { return Ok(stream.to_vec()) };
    let rest = stream.get(8 + length + message.bodyLength() as usize..).ok_or_else(malformed)?;
    let schema = fb_to_schema(schema);
    let fields: Vec<FieldRef> = schema.fields().iter().map(nullable).collect();
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    let options = IpcWriteOptions::default();
    let encoded = IpcDataGenerator::default().schema_to_bytes_with_dictionary_tracker(&schema, &mut DictionaryTracker::new(false), &options);
    let mut rewritten = Vec::with_capacity(stream.len() + 64);
    write_message(&mut rewritten, encoded, &options)?;
    rewritten.extend_from_slice(rest);
    Ok(rewritten)
}

/// A field and every field inside it, nullable.
fn nullable(field: &FieldRef) -> FieldRef {
    let data_type = match field.data_type() {
        ArrowDataType::Struct(children) => ArrowDataType::Struct(children.iter().map(nullable).collect()),
        ArrowDataType::List(item) => ArrowDataType::List(nullable(item)),
        other => other.clone(),
    };
    Arc::new(field.as_ref().clone().with_data_type(data_type).with_nullable(true))
}

/// Histogram points with null list values (bounds, bucket counts) read as 0: the Go Collector's encoder writes zeros in
/// those lists as nulls, and pdata 0.62 would drop them (a histogram with bounds [0, 5] would come back with [5]).
fn zeros_for_nulls_in_lists(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let mut columns = batch.columns().to_vec();
    for name in [consts::HISTOGRAM_EXPLICIT_BOUNDS, consts::HISTOGRAM_BUCKET_COUNTS] {
        let Ok(position) = batch.schema().index_of(name) else { continue };
        let Some(list) = columns[position].as_list_opt::<i32>() else { continue };
        if list.values().null_count() == 0 {
            continue;
        }
        let zero = cast(&UInt32Array::from(vec![0u32]), list.values().data_type())?; // one 0 of the list's value type
        let values = zip(&is_not_null(list.values())?, list.values(), &Scalar::new(zero))?;
        let (field, offsets, _, nulls) = list.clone().into_parts();
        columns[position] = Arc::new(ListArray::try_new(field, offsets, values, nulls)?);
    }
    RecordBatch::try_new(batch.schema(), columns)
}

/// A column cast to a plain primitive array (dictionary-encoded columns are expanded).
fn column_as<T: ArrowPrimitiveType>(batch: &RecordBatch, name: &str) -> Result<PrimitiveArray<T>, ArrowError> {
    let column = batch.column_by_name(name).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))?;
    Ok(cast(column, &T::DATA_TYPE)?.as_primitive::<T>().clone())
}
