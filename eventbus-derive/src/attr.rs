//! Parsing of `#[openedx_event(...)]` attributes.

use crate::ast::Derive;
use crate::ctxt::Ctxt;
use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::LitStr;

/// A value that may be set once.
struct Once<T> {
    name: &'static str,
    value: Option<T>,
}

impl<T> Once<T> {
    fn new(name: &'static str) -> Self {
        Once { name, value: None }
    }

    fn set(&mut self, cx: &Ctxt, span: Span, value: T) {
        if self.value.is_some() {
            cx.error_at(
                span,
                format!("duplicate openedx_event attribute `{}`", self.name),
            );
        } else {
            self.value = Some(value);
        }
    }
}

/// The attributes of the struct.
pub struct ContainerAttrs {
    pub event_type: Option<LitStr>,
    pub minor_version: u32,
    pub key_field: Option<LitStr>,
    pub in_process_only: bool,
    pub record_name: Option<LitStr>,
    /// `crate = "path"`: where the runtime is (default `::eventbus_runtime`), as serde's
    /// `#[serde(crate = "...")]`, for a crate that re-exports it under another name.
    pub crate_path: Option<syn::Path>,
    /// `event_type` was given but its value could not be read (already reported).
    pub event_type_malformed: bool,
}

const EVENT_KEYS: &str = "event_type, minor_version, key_field, in_process_only, crate";

impl ContainerAttrs {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute], derive: Derive) -> Self {
        let mut event_type = Once::new("event_type");
        let mut minor_version = Once::new("minor_version");
        let mut key_field = Once::new("key_field");
        let mut in_process_only = Once::new("in_process_only");
        let mut record_name = Once::new("name");
        let mut crate_path = Once::new("crate");

        let mut event_type_malformed = false;

        for attr in attrs.iter().filter(|a| a.path().is_ident("openedx_event")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let span = meta.path.span();
                // An error in one key is recorded and its value skipped, so that the keys after it
                // are still read (and, say, a malformed `event_type` is not also reported missing).
                let parsed = (|| -> syn::Result<()> {
                    match (key.as_str(), derive) {
                        ("crate", _) => {
                            let lit = meta.value()?.parse::<LitStr>()?;
                            let path = lit.parse::<syn::Path>().map_err(|_| {
                                syn::Error::new_spanned(
                                    &lit,
                                    "crate must be a path to the runtime, such as `crate = \"my_service::eventbus_runtime\"`",
                                )
                            })?;
                            crate_path.set(cx, span, path);
                        }
                        ("event_type", Derive::Event) => {
                            event_type.set(cx, span, meta.value()?.parse::<LitStr>()?)
                        }
                        ("minor_version", Derive::Event) => {
                            let expr: syn::Expr = meta.value()?.parse()?;
                            let version = match &expr {
                                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => lit.base10_parse::<u32>().ok(),
                                _ => None,
                            };
                            match version {
                                Some(version) => minor_version.set(cx, span, version),
                                None => {
                                    return Err(syn::Error::new_spanned(
                                        &expr,
                                        "minor_version must be an integer literal from 0 to 4294967295, such as `minor_version = 1`",
                                    ))
                                }
                            }
                        }
                        ("key_field", Derive::Event) => {
                            key_field.set(cx, span, meta.value()?.parse::<LitStr>()?)
                        }
                        ("in_process_only", Derive::Event) => {
                            // `in_process_only` alone, or `in_process_only = true` / `false`.
                            let value = if meta.input.peek(syn::Token![=]) {
                                let expr: syn::Expr = meta.value()?.parse()?;
                                match &expr {
                                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(lit), .. }) => lit.value,
                                    _ => {
                                        return Err(syn::Error::new_spanned(
                                            &expr,
                                            "in_process_only takes no value, or `true` or `false`: write `in_process_only` or `in_process_only = true`",
                                        ))
                                    }
                                }
                            } else {
                                true
                            };
                            in_process_only.set(cx, span, value);
                        }
                        ("name", Derive::Data) => {
                            record_name.set(cx, span, meta.value()?.parse::<LitStr>()?)
                        }
                        ("event_type" | "minor_version" | "key_field" | "in_process_only", Derive::Data) => {
                            return Err(meta.error(format!(
                                "`{key}` belongs on #[derive(OpenEdxEvent)], not #[derive(EventData)]"
                            )));
                        }
                        ("name", Derive::Event) => {
                            return Err(meta.error(
                                "an event's record is always `CloudEvent`; `name` belongs on #[derive(EventData)]",
                            ));
                        }
                        _ => {
                            let expected = match derive {
                                Derive::Event => EVENT_KEYS,
                                Derive::Data => "name, crate",
                            };
                            return Err(meta.error(format!(
                                "unknown openedx_event attribute `{}`; expected one of: {expected}",
                                if key.is_empty() { "?" } else { key.as_str() }
                            )));
                        }
                    }
                    Ok(())
                })();
                if let Err(err) = parsed {
                    event_type_malformed |= key == "event_type" && derive == Derive::Event;
                    cx.syn_error(err);
                    skip_to_comma(meta.input);
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }

        ContainerAttrs {
            event_type: event_type.value,
            minor_version: minor_version.value.unwrap_or(0),
            key_field: key_field.value,
            in_process_only: in_process_only.value.unwrap_or(false),
            record_name: record_name.value,
            crate_path: crate_path.value,
            event_type_malformed,
        }
    }
}

/// Skip what is left of a key's value, up to the `,` before the next key.
fn skip_to_comma(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// Fields take no `openedx_event` attributes.
pub fn reject_field_attrs(cx: &Ctxt, field: &syn::Field) {
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("openedx_event"))
    {
        cx.error_spanned_by(
            attr,
            "openedx_event attributes go on the struct, not on its fields",
        );
    }
}
