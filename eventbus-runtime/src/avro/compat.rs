//! Schema evolution checks: can readers of one schema read data of the other, both ways?

use apache_avro::schema_compatibility::SchemaCompatibility;
use apache_avro::Schema;

/// Why two versions of a schema cannot replace each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Incompatibility {
    /// Readers of the new schema cannot read data written with the old one.
    #[error("not backward compatible: a reader with the new schema cannot read old data: {0}")]
    Backward(String),
    /// Readers of the old schema cannot read data written with the new one.
    #[error("not forward compatible: a reader with the old schema cannot read new data: {0}")]
    Forward(String),
}

/// Check that `new` is backward and forward compatible with `old`, as openedx-events'
/// `test_evolution_is_backward_compatible` and `..._forward_compatible` require.
pub fn check_compatibility(old: &Schema, new: &Schema) -> Result<(), Vec<Incompatibility>> {
    let mut problems = Vec::new();
    if let Err(e) = SchemaCompatibility::can_read(old, new) {
        problems.push(Incompatibility::Backward(e.to_string()));
    }
    if let Err(e) = SchemaCompatibility::can_read(new, old) {
        problems.push(Incompatibility::Forward(e.to_string()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: &str) -> Schema {
        Schema::parse_str(&format!(
            r#"{{"type": "record", "name": "CloudEvent", "fields": [{fields}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn an_optional_field_with_a_default_is_compatible_both_ways() {
        let old = schema(r#"{"name": "a", "type": "string"}"#);
        let new = schema(
            r#"{"name": "a", "type": "string"}, {"name": "b", "type": ["null", "long"], "default": null}"#,
        );
        assert_eq!(check_compatibility(&old, &new), Ok(()));
    }

    #[test]
    fn a_required_field_added_breaks_backward_compatibility() {
        let old = schema(r#"{"name": "a", "type": "string"}"#);
        let new = schema(r#"{"name": "a", "type": "string"}, {"name": "b", "type": "long"}"#);
        let problems = check_compatibility(&old, &new).unwrap_err();
        assert!(matches!(
            problems.as_slice(),
            [Incompatibility::Backward(_)]
        ));
    }

    #[test]
    fn a_changed_type_breaks_both_ways() {
        let old = schema(r#"{"name": "a", "type": "string"}"#);
        let new = schema(r#"{"name": "a", "type": "boolean"}"#);
        assert_eq!(check_compatibility(&old, &new).unwrap_err().len(), 2);
    }
}
