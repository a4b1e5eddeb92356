//! Schema resolution: data written with another version of an event's schema.

use crate::error::{DataError, DataErrorKind};
use apache_avro::reader::datum::GenericDatumReader;
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
    // apache-avro trusts lengths and nesting; check them within the input first.
    super::bounds::check_bounds(writer, bytes)?;
    let resolution =
        |e: apache_avro::Error| DataError::new(DataErrorKind::Resolution(e.to_string()));
    let mut input = bytes;
    let value = GenericDatumReader::builder(writer)
        .reader_schema(reader)
        .build()
        .map_err(resolution)?
        .read_value(&mut input)
        .map_err(resolution)?;
    if !input.is_empty() {
        return Err(DataError::new(DataErrorKind::TrailingBytes(input.len())));
    }
    GenericDatumWriter::builder(reader)
        .build()
        .map_err(resolution)?
        .write_value_to_vec(value)
        .map_err(resolution)
}
