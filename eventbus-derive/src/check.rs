//! Validation of what the attributes say: event types, key paths, top-level fields.

use crate::ast::{Container, Derive};
use crate::ctxt::Ctxt;
use syn::Type;

const EXPECTED_EVENT_TYPE: &str =
    "expected dotted lowercase segments such as `org.openedx.<domain>.<subject>.<action>.v<N>`";

/// Check the container as a whole.
pub fn check(cx: &Ctxt, cont: &Container) {
    // The fields of a generic struct (refused) are not checked: its one error is the generics.
    let fields = if cont.generic {
        &[][..]
    } else {
        &cont.fields[..]
    };
    if cont.derive != Derive::Event {
        for field in fields {
            if let Some((ty, message)) = unsupported_type(field.ty) {
                cx.error_spanned_by(ty, message);
            }
        }
        return;
    }
    match &cont.attrs.event_type {
        // Given but unreadable: already reported at the value.
        None if cont.attrs.event_type_malformed => {}
        None => cx.error_spanned_by(
            cont.ident,
            "#[derive(OpenEdxEvent)] needs #[openedx_event(event_type = \"org.openedx....v1\")]",
        ),
        Some(lit) => {
            if let Err(reason) = event_type(&lit.value()) {
                // The version error says what to write already.
                let expected = if reason.contains("has no version") {
                    String::new()
                } else {
                    format!("; {EXPECTED_EVENT_TYPE}")
                };
                cx.error_spanned_by(lit, format!("invalid event type: {reason}{expected}"));
            }
        }
    }
    if let Some(lit) = &cont.attrs.key_field {
        let path = lit.value();
        if let Err(reason) = key_path_syntax(&path) {
            cx.error_spanned_by(lit, format!("invalid key_field: {reason}"));
        } else {
            // The first segment is one of the event's own fields, which the derive sees; the
            // segments below it are checked by the generated code (`expand::key_field_check`).
            let first = path.split('.').next().unwrap_or_default();
            if !cont.generic && !cont.fields.iter().any(|f| f.name == first) {
                let names: Vec<String> = cont
                    .fields
                    .iter()
                    .map(|f| format!("`{}`", f.name))
                    .collect();
                let fields = match names.len() {
                    0 => "it has no fields".to_owned(),
                    1 => format!("its only field is {}", names[0]),
                    _ => format!("its fields are {}", names.join(", ")),
                };
                cx.error_spanned_by(
                    lit,
                    format!(
                        "key_field `{path}`: `{}` has no field `{first}`; {fields}",
                        cont.ident
                    ),
                );
            }
        }
    }
    if cont.fields.is_empty() && !cont.attrs.in_process_only {
        cx.error_spanned_by(cont.ident, "an event needs at least one field");
    }
    if !cont.attrs.in_process_only {
        for field in fields {
            if let Some((ty, message)) = unsupported_type(field.ty) {
                cx.error_spanned_by(ty, message);
            } else if is_option(field.ty) {
                cx.error_spanned_by(
                    field.ty,
                    "an event's own fields cannot be optional (openedx-events signal arguments are always required); make a field of a nested record optional instead",
                );
            }
        }
    }
}

/// The domain of openedx-events whose event types have no version suffix.
const UNVERSIONED_DOMAIN: &str = "org.openedx.authz.";

/// The rules for event types: dotted segments of lowercase letters, digits, `_` and `-` (openedx-events
/// has `subsidy.redemption-reversed`), each starting with a letter, at least three of them, the
/// last one a version `v<N>`; only the authz events of openedx-events (`org.openedx.authz.…`) have
/// none, and are accepted without.
pub fn event_type(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    let segments: Vec<&str> = s.split('.').collect();
    for segment in &segments {
        if segment.is_empty() {
            return Err(format!("`{s}` has an empty segment"));
        }
        if !segment.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(format!(
                "segment `{segment}` does not start with a lowercase letter"
            ));
        }
        if let Some(c) = segment
            .chars()
            .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'))
        {
            return Err(format!("segment `{segment}` contains {c:?}"));
        }
    }
    if segments.len() < 3 {
        return Err(format!(
            "`{s}` has {} segments, at least 3 are needed",
            segments.len()
        ));
    }
    let last = segments[segments.len() - 1];
    let versioned =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    if !versioned && !s.starts_with(UNVERSIONED_DOMAIN) {
        let fix = if last.starts_with('v') && last.len() <= 3 {
            "such as `v1`".to_owned()
        } else {
            format!("such as `{s}.v1`")
        };
        return Err(format!(
            "`{s}` has no version: its last segment `{last}` must be a version `v<N>` ({fix})"
        ));
    }
    Ok(())
}

/// A key path is dotted field names.
pub fn key_path_syntax(s: &str) -> Result<(), String> {
    for segment in s.split('.') {
        // `self`, `Self`, `super`, `crate` and `_` cannot name a field, even as `r#...`.
        let valid = segment.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !matches!(segment, "self" | "Self" | "super" | "crate" | "_");
        if !valid {
            return Err(format!(
                "`{s}` is not a dotted path of field names (segment `{segment}`)"
            ));
        }
    }
    Ok(())
}

/// A well-known type that an event cannot carry, seen in the field's type as it is spelled: the
/// type and the error, which says what to use instead. Other unsupported types are left to the
/// `EventData` bound, which the compiler reports at the field's type.
pub fn unsupported_type(ty: &Type) -> Option<(&Type, String)> {
    const NOT: &str = "cannot be carried by an Open edX event";
    const LONG: &str = "Avro has only signed 64-bit integers (`long`)";
    let message = match ty {
        Type::Group(group) => return unsupported_type(&group.elem),
        Type::Paren(paren) => return unsupported_type(&paren.elem),
        Type::Tuple(tuple) if tuple.elems.is_empty() => {
            format!("`()` {NOT}: it carries nothing; remove the field")
        }
        Type::Tuple(_) => format!(
            "a tuple {NOT}: it has no field names for the Avro schema; use a struct that derives `EventData`"
        ),
        Type::Array(_) | Type::Slice(_) => format!("an array {NOT}: use `Vec<T>` (an Avro array)"),
        Type::Reference(_) | Type::Ptr(_) => format!(
            "a reference {NOT}: an event owns its data; use an owned type such as `String` or `Vec<T>`"
        ),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let args: Vec<&Type> = match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => args
                    .args
                    .iter()
                    .filter_map(|arg| match arg {
                        syn::GenericArgument::Type(ty) => Some(ty),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "u64" | "usize" => {
                    format!("`{name}` {NOT}: {LONG}; use `i64`, or `u32` when the values fit")
                }
                "u128" | "i128" | "isize" => format!("`{name}` {NOT}: {LONG}; use `i64`"),
                "i8" | "i16" | "u16" => {
                    format!("`{name}` {NOT}: use `i32` or `i64` (an Avro `long`)")
                }
                "f32" => format!(
                    "`f32` {NOT}: openedx-events writes Python floats as Avro `double`; use `f64`"
                ),
                "char" => format!("`char` {NOT}: use `String`"),
                "str" => format!("`str` {NOT}: use `String`"),
                "NaiveDateTime" | "NaiveDate" | "NaiveTime" => format!(
                    "`{name}` {NOT}: event dates are UTC date-times (`isoformat()` with `+00:00`); use `DateTime<Utc>`"
                ),
                "HashSet" | "BTreeSet" => format!("`{name}` {NOT}: use `Vec<T>` (an Avro array)"),
                "HashMap" | "BTreeMap" => match args.first().and_then(|key| non_string_key(key)) {
                    Some(keys) => {
                        return Some((
                            args[0],
                            format!(
                                "a map with {keys} keys {NOT}: Avro map keys are strings; use `{name}<String, T>`"
                            ),
                        ))
                    }
                    None => return args.into_iter().find_map(unsupported_type),
                },
                _ => return args.into_iter().find_map(unsupported_type),
            }
        }
        _ => return None,
    };
    Some((ty, message))
}

/// A map key spelled as a type that is certainly not a string, described: "`i64`", "tuple".
fn non_string_key(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.get_ident().and_then(|ident| {
            let name = ident.to_string();
            matches!(
                name.as_str(),
                "bool"
                    | "char"
                    | "f32"
                    | "f64"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
            )
            .then(|| format!("`{name}`"))
        }),
        Type::Tuple(_) => Some("tuple".to_owned()),
        _ => None,
    }
}

/// Whether the type is spelled `Option<...>` (an alias cannot be seen from here).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|seg| seg.ident == "Option"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types() {
        assert!(event_type("org.openedx.content_authoring.xblock.published.v1").is_ok());
        assert!(event_type("org.openedx.authz.role_assignment.created").is_ok());
        assert!(event_type("org.openedx.Learning.x.v1").is_err());
        assert!(event_type("org..x.v1").is_err());
        assert!(event_type("org.openedx").is_err());
        assert!(event_type("org.openedx.enterprise.subsidy.redemption-reversed.v1").is_ok());
        assert!(event_type("org.openedx.x y.v1").is_err());
        assert!(event_type("org.openedx.learning.thing.happened").is_err());
        assert!(event_type("org.openedx.learning.thing.happened.v").is_err());
        assert!(event_type("org.openedx.learning.thing.happened.v1a").is_err());
        assert!(event_type("org.openedx.learning.thing.happened.v12").is_ok());
    }

    #[test]
    fn key_paths() {
        assert!(key_path_syntax("user.pii.username").is_ok());
        assert!(key_path_syntax("user..x").is_err());
        assert!(key_path_syntax("user.0").is_err());
        assert!(key_path_syntax("user.self").is_err());
        assert!(key_path_syntax("user.type").is_ok());
    }
}
