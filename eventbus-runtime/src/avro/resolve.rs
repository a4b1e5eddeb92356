//! Schema resolution: data written with another version of an event's schema.

use crate::data_error::{DataError, DataErrorKind};
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::Schema;

/// Re-encode `bytes`, written with `writer`, as data of the `reader` schema, following the Avro
/// resolution rules (fields added with defaults, fields dropped, promotions). The result can be
/// decoded by the typed decoder of the reader's Rust type. Data whose lengths exceed the input or
/// that nests deeper than 64 levels is refused before apache-avro reads it.
pub fn resolve_to_reader(
    writer: &Schema,
    reader: &Schema,
    bytes: &[u8],
) -> Result<Vec<u8>, DataError> {
    let value = read_value(writer, Some(reader), bytes)?;
    GenericDatumWriter::builder(reader)
        .build()
        .map_err(resolution)?
        .write_value_to_vec(value)
        .map_err(resolution)
}

/// Read schemaless Avro `bytes` written with `writer` as a generic value, resolved to `reader`
/// when given; every byte must be used. apache-avro trusts lengths and nesting: they are checked
/// within the input first.
pub(crate) fn read_value(
    writer: &Schema,
    reader: Option<&Schema>,
    bytes: &[u8],
) -> Result<Value, DataError> {
    super::bounds::check_bounds(writer, bytes)?;
    let mut input = bytes;
    let builder = GenericDatumReader::builder(writer);
    let datum_reader = match reader {
        Some(reader) => builder.reader_schema(reader).build(),
        None => builder.build(),
    };
    let value = datum_reader
        .map_err(resolution)?
        .read_value(&mut input)
        .map_err(resolution)?;
    match input.len() {
        0 => Ok(value),
        n => Err(DataError::new(DataErrorKind::TrailingBytes(n))),
    }
}

fn resolution(e: apache_avro::Error) -> DataError {
    DataError::new(DataErrorKind::Resolution(e.to_string()))
}
