//! The parsed model of a derive input.

use crate::attr::{self, ContainerAttrs};
use crate::ctxt::Ctxt;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type};

/// Which derive is running.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    /// `#[derive(OpenEdxEvent)]`.
    Event,
    /// `#[derive(EventData)]`.
    Data,
}

impl Derive {
    pub fn name(self) -> &'static str {
        match self {
            Derive::Event => "OpenEdxEvent",
            Derive::Data => "EventData",
        }
    }
}

/// A struct with named fields and its attributes.
pub struct Container<'a> {
    pub ident: &'a Ident,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
    /// The doc comment, one line per `///` line.
    pub doc: String,
    pub derive: Derive,
    /// The struct has generic parameters or a where clause (refused).
    pub generic: bool,
}

/// One named field.
pub struct Field<'a> {
    pub ident: &'a Ident,
    /// The Avro field name: the identifier without `r#`.
    pub name: String,
    pub ty: &'a Type,
}

impl Container<'_> {
    /// The path of the runtime in the generated code: `crate = "..."`, or `::eventbus_runtime`.
    pub fn runtime(&self) -> proc_macro2::TokenStream {
        runtime(
            self.attrs.crate_path.as_ref(),
            proc_macro2::Span::call_site(),
        )
    }

    /// The same, spanned at `span` when it is the default (so that errors point at the user's
    /// code).
    pub fn runtime_at(&self, span: proc_macro2::Span) -> proc_macro2::TokenStream {
        runtime(self.attrs.crate_path.as_ref(), span)
    }
}

/// `path`, or `::eventbus_runtime` spanned at `span`.
pub fn runtime(path: Option<&syn::Path>, span: proc_macro2::Span) -> proc_macro2::TokenStream {
    match path {
        Some(path) => quote::quote!(#path),
        None => quote::quote_spanned!(span=> ::eventbus_runtime),
    }
}

impl<'a> Container<'a> {
    /// Parse the input; problems go to `cx`. Returns `None` when there is no struct to model.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput, derive: Derive) -> Option<Container<'a>> {
        let attrs = ContainerAttrs::from_ast(cx, &input.attrs, derive);
        let generic = !input.generics.params.is_empty() || input.generics.where_clause.is_some();
        if generic {
            // `Generics` prints only `<...>`: with no parameters, point at the where clause.
            let generics: &dyn quote::ToTokens = match &input.generics.where_clause {
                Some(where_clause) if input.generics.params.is_empty() => where_clause,
                _ => &input.generics,
            };
            cx.error_spanned_by(
                generics,
                format!(
                    "#[derive({})] does not support generic structs: an event's schema must be fixed",
                    derive.name()
                ),
            );
        }
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .map(|field| {
                        attr::reject_field_attrs(cx, field);
                        let ident = field.ident.as_ref().expect("named field");
                        Field {
                            ident,
                            name: ident.unraw().to_string(),
                            ty: &field.ty,
                        }
                    })
                    .collect(),
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        format!(
                            "#[derive({})] needs named fields: a tuple struct has no field names for the Avro schema",
                            derive.name()
                        ),
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        format!(
                            "#[derive({})] needs a struct with named fields, not a unit struct",
                            derive.name()
                        ),
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_at(
                    data.enum_token.span,
                    format!(
                        "#[derive({})] supports structs with named fields only, not enums",
                        derive.name()
                    ),
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_at(
                    data.union_token.span,
                    format!(
                        "#[derive({})] supports structs with named fields only, not unions",
                        derive.name()
                    ),
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            attrs,
            fields,
            doc: doc_comment(&input.attrs),
            derive,
            generic,
        })
    }
}

/// The text of the `///` comments.
fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join("\n").trim().to_owned()
}
