//! A check of Avro data against its writer's schema before apache-avro resolves it.
//!
//! The writer's schema comes from the registry (by the id in the message), so it may be anything
//! registered there, and the data anything a producer sent. apache-avro allocates a length read
//! from the data before it knows the data holds that many bytes (up to 512 MB), recurses once per
//! level of nesting (a record that contains itself overflows the stack: the process aborts), and
//! builds a value per array item even when items take no byte. This walk reads the data with the
//! same bounds as the typed decoder ([`Reader`]): every length and count within the remaining
//! input, at most [`MAX_DEPTH`] levels of nesting, a bounded number of items, so that the data
//! apache-avro then reads is known to be well formed.

use super::Reader;
use crate::data_error::{DataError, DataErrorKind};
use apache_avro::schema::{InnerDecimalSchema, Name, NamesRef, ResolvedSchema, Schema, UuidSchema};

/// The deepest nesting of records, arrays, maps and unions accepted in a writer's data (the
/// catalog's events nest less than 10 levels).
pub const MAX_DEPTH: usize = 64;

/// How many array or map items one byte of input may yield: items that take no byte (nulls,
/// empty records) are the only ones beyond one per byte.
const ITEMS_PER_BYTE: usize = 8;

/// Check that `bytes` is one value of `writer`, readable within the bounds (see the module).
pub fn check_bounds(writer: &Schema, bytes: &[u8]) -> Result<(), DataError> {
    let resolved = ResolvedSchema::new(writer)
        .map_err(|e| DataError::new(DataErrorKind::Resolution(e.to_string())))?;
    let mut walk = Walk {
        names: resolved.get_names(),
        input: Reader::new(bytes),
        items_left: bytes
            .len()
            .saturating_mul(ITEMS_PER_BYTE)
            .saturating_add(1024),
    };
    walk.value(writer, 0)
}

struct Walk<'s, 'b> {
    names: &'s NamesRef<'s>,
    input: Reader<'b>,
    items_left: usize,
}

impl<'s> Walk<'s, '_> {
    fn value(&mut self, schema: &Schema, depth: usize) -> Result<(), DataError> {
        if depth > MAX_DEPTH {
            return Err(resolution(format!(
                "the data is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        let input = &mut self.input;
        match schema {
            Schema::Null => {}
            Schema::Boolean => {
                input.read_u8()?;
            }
            Schema::Int
            | Schema::Long
            | Schema::Enum(_)
            | Schema::Date
            | Schema::TimeMillis
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => {
                input.read_long()?;
            }
            Schema::Float => {
                input.read_exact(4)?;
            }
            Schema::Double => {
                input.read_exact(8)?;
            }
            Schema::Bytes
            | Schema::String
            | Schema::BigDecimal
            | Schema::Uuid(UuidSchema::Bytes | UuidSchema::String) => {
                input.read_bytes()?;
            }
            Schema::Decimal(decimal) => match &decimal.inner {
                InnerDecimalSchema::Bytes => {
                    input.read_bytes()?;
                }
                InnerDecimalSchema::Fixed(fixed) => {
                    input.read_exact(fixed.size)?;
                }
            },
            Schema::Fixed(fixed)
            | Schema::Duration(fixed)
            | Schema::Uuid(UuidSchema::Fixed(fixed)) => {
                input.read_exact(fixed.size)?;
            }
            Schema::Union(union) => {
                let index = input.read_long()?;
                let branch = usize::try_from(index)
                    .ok()
                    .and_then(|i| union.variants().get(i))
                    .ok_or(DataError::new(DataErrorKind::InvalidUnionBranch(index)))?;
                self.value(branch, depth + 1)?;
            }
            Schema::Array(array) => {
                while let Some(count) = self.input.read_block_count()? {
                    self.spend(count)?;
                    for _ in 0..count {
                        self.value(&array.items, depth + 1)?;
                    }
                }
            }
            Schema::Map(map) => {
                while let Some(count) = self.input.read_block_count()? {
                    self.spend(count)?;
                    for _ in 0..count {
                        self.input.read_str()?;
                        self.value(&map.types, depth + 1)?;
                    }
                }
            }
            Schema::Record(record) => {
                for field in &record.fields {
                    self.value(&field.schema, depth + 1)?;
                }
            }
            Schema::Ref { name } => {
                let named = self.named(name)?;
                self.value(named, depth + 1)?;
            }
        }
        Ok(())
    }

    fn named(&self, name: &Name) -> Result<&'s Schema, DataError> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| resolution(format!("the writer's schema has no type {name}")))
    }

    fn spend(&mut self, items: usize) -> Result<(), DataError> {
        self.items_left = self.items_left.checked_sub(items).ok_or_else(|| {
            resolution("the data has more array or map items than its size allows".into())
        })?;
        Ok(())
    }
}

fn resolution(message: String) -> DataError {
    DataError::new(DataErrorKind::Resolution(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avro::schema::parse_schema_str;

    fn schema(text: &str) -> Schema {
        parse_schema_str(text).unwrap()
    }

    #[test]
    fn well_formed_data_passes() {
        let s = schema(
            r#"{"type": "record", "name": "R", "fields": [
                {"name": "a", "type": "string"},
                {"name": "b", "type": {"type": "array", "items": "long"}},
                {"name": "c", "type": ["null", {"type": "map", "values": "boolean"}]},
                {"name": "d", "type": {"type": "fixed", "name": "F", "size": 2}},
                {"name": "e", "type": "F"}
            ]}"#,
        );
        let data = [2, b'x', 4, 2, 4, 0, 2, 2, 2, b'k', 1, 0, 7, 7, 8, 8];
        check_bounds(&s, &data).unwrap();
        assert_eq!(
            check_bounds(&s, &data[..data.len() - 1])
                .unwrap_err()
                .kind(),
            &DataErrorKind::UnexpectedEnd
        );
    }

    #[test]
    fn lengths_beyond_the_input_are_refused_before_any_allocation() {
        let s = schema(r#""bytes""#);
        // 500 MB announced, 1 byte given.
        let mut data = Vec::new();
        crate::avro::write_long(&mut data, 500_000_000);
        data.push(0);
        assert_eq!(
            check_bounds(&s, &data).unwrap_err().kind(),
            &DataErrorKind::InvalidLength(500_000_000)
        );
        assert_eq!(
            check_bounds(&s, &[1]).unwrap_err().kind(),
            &DataErrorKind::InvalidLength(-1)
        );
    }

    #[test]
    fn deep_nesting_and_item_floods_are_refused() {
        let linked = schema(
            r#"{"type": "record", "name": "Link", "fields": [
                {"name": "next", "type": ["null", "Link"]}
            ]}"#,
        );
        let mut shallow = vec![2u8; 10];
        shallow.push(0);
        check_bounds(&linked, &shallow).unwrap();
        let mut deep = vec![2u8; 100_000];
        deep.push(0);
        let error = check_bounds(&linked, &deep).unwrap_err();
        assert!(error.to_string().contains("nested more than 64"), "{error}");
        // Arrays of arrays of nulls: each inner block of 63 nulls takes 2 bytes.
        let nulls = schema(r#"{"type": "array", "items": {"type": "array", "items": "null"}}"#);
        let mut flood = Vec::new();
        crate::avro::write_long(&mut flood, 3000);
        for _ in 0..3000 {
            flood.extend([126, 0]);
        }
        flood.push(0);
        let error = check_bounds(&nulls, &flood).unwrap_err();
        assert!(
            error.to_string().contains("more array or map items"),
            "{error}"
        );
    }
}
