//! Code generation.

use crate::ast::{Container, Derive};
use crate::check;
use crate::ctxt::Ctxt;
use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

/// Run a derive: the impls, or the errors plus stub impls.
pub fn derive(input: &DeriveInput, derive: Derive) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input, derive);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => match derive {
            Derive::Event => event_impls(&cont),
            Derive::Data => event_data_impl(&cont, Schema::Record),
        },
        (Err(err), cont) => {
            let errors = err.to_compile_error();
            let stubs = stubs(input, derive);
            let field_checks = cont.map(|cont| field_checks(&cont));
            quote!(#errors #stubs #field_checks)
        }
        (Ok(()), None) => unreachable!("no container without an error"),
    }
}

/// Impls with no real body, so that one error in the derive does not cascade into "trait not
/// implemented" errors wherever the type is used.
fn stubs(input: &DeriveInput, derive: Derive) -> TokenStream {
    let ident = &input.ident;
    let rt = quote!(::eventbus_runtime);
    // A generic struct (refused) gets its stubs too, for every parameter, so that a field of type
    // `Pair<String>` elsewhere is not a second error.
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p,)).collect())
        .unwrap_or_else(TokenStream::new);
    predicates.extend(quote!(Self: ::std::marker::Send + ::std::marker::Sync + 'static));
    let header = |trait_: TokenStream| quote!(impl #impl_generics #trait_ for #ident #ty_generics where #predicates);
    let data_header = header(quote!(#rt::EventData));
    let event_header = header(quote!(#rt::OpenEdxEvent));
    let data = quote! {
        #[automatically_derived]
        #data_header {
            fn avro_schema(_: &mut #rt::__private::SchemaNames) -> #rt::__private::JsonValue { unimplemented!() }
            fn encode(&self, _: &mut ::std::vec::Vec<u8>) { unimplemented!() }
            fn decode(_: &mut #rt::__private::Reader<'_>) -> ::std::result::Result<Self, #rt::__private::DataError> { unimplemented!() }
            fn to_json(&self) -> #rt::__private::JsonValue { unimplemented!() }
            fn from_json(_: &#rt::__private::JsonValue) -> ::std::result::Result<Self, #rt::__private::DataError> { unimplemented!() }
            fn example(_: #rt::__private::Example) -> Self { unimplemented!() }
        }
    };
    match derive {
        Derive::Data => data,
        Derive::Event => quote! {
            #data
            #[automatically_derived]
            #event_header {
                const EVENT_TYPE: &'static str = "";
                const MINOR_VERSION: u32 = 0;
                const DEFAULT_KEY_FIELD: ::std::option::Option<&'static str> = ::std::option::Option::None;
                fn signal() -> &'static #rt::Signal<Self> { unimplemented!() }
                fn descriptor() -> &'static #rt::__private::EventDescriptor { unimplemented!() }
            }
        },
    }
}

/// With the errors of a derive, the `EventData` bound of each field whose type the derive did not
/// already report, so that every problem is reported in one compile.
fn field_checks(cont: &Container) -> TokenStream {
    if cont.generic || cont.attrs.in_process_only {
        return TokenStream::new();
    }
    let checks = cont
        .fields
        .iter()
        .filter(|f| check::unsupported_type(f.ty).is_none())
        .map(|f| field_ops(quote!(_), f.ty, cont.ident));
    quote!(const _: () = { #(#checks)* };)
}

/// `const NAME: FieldOps<T> = <T as EventData>::FIELD;`, the value spanned at the field's type:
/// the one place where the generated code needs `T: EventData`, so an unsupported type is one
/// error there.
fn field_ops(name: TokenStream, ty: &syn::Type, container: &Ident) -> TokenStream {
    let rt = quote!(::eventbus_runtime);
    // The constant is outside the impl, where `Self` (as in `Vec<Self>`) means nothing.
    let spelled = without_self(quote!(#ty), container);
    let value = quote_spanned!(ty.span()=> <#spelled as #rt::EventData>::FIELD);
    quote!(const #name: #rt::__private::FieldOps<#spelled> = #value;)
}

/// The tokens with `Self` replaced by the struct's name.
fn without_self(tokens: TokenStream, container: &Ident) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) if ident == "Self" => {
                TokenTree::Ident(Ident::new(&container.to_string(), ident.span()))
            }
            TokenTree::Group(group) => {
                let mut inner =
                    Group::new(group.delimiter(), without_self(group.stream(), container));
                inner.set_span(group.span());
                TokenTree::Group(inner)
            }
            other => other,
        })
        .collect()
}

/// The two kinds of schema a struct can have.
#[derive(Clone, Copy)]
enum Schema {
    /// A nested record named after the struct.
    Record,
    /// The top-level `CloudEvent` record of an event type.
    CloudEvent,
}

fn event_data_impl(cont: &Container, schema: Schema) -> TokenStream {
    let rt = quote!(::eventbus_runtime);
    let p = quote!(#rt::__private);
    let ident = cont.ident;
    let idents: Vec<_> = cont.fields.iter().map(|f| f.ident).collect();
    let names: Vec<_> = cont.fields.iter().map(|f| f.name.as_str()).collect();
    // One constant per field holds the operations of its type; the methods call them through it,
    // so an unsupported type is one error at the constant, not one per method.
    let ops: Vec<_> = (0..cont.fields.len())
        .map(|i| Ident::new(&format!("__FIELD_{i}"), Span::call_site()))
        .collect();
    let ops_consts = cont
        .fields
        .iter()
        .zip(&ops)
        .map(|(f, op)| field_ops(quote!(#op), f.ty, cont.ident));

    let fields_schema = quote! {
        ::std::vec![#(
            #p::field_schema(#names, (#ops.avro_schema)(names), #ops.nullable)
        ),*]
    };
    let avro_schema = match schema {
        Schema::Record => {
            let record_name = cont
                .attrs
                .record_name
                .as_ref()
                .map(|lit| lit.value())
                .unwrap_or_else(|| ident.to_string());
            quote! {
                if !names.first_sight::<Self>(#record_name) {
                    return #p::JsonValue::from(#record_name);
                }
                #p::record_schema(#record_name, #fields_schema)
            }
        }
        Schema::CloudEvent => quote! {
            #p::cloud_event_schema(<Self as #rt::OpenEdxEvent>::EVENT_TYPE, #fields_schema)
        },
    };
    let type_name = ident.to_string();

    quote! {
        const _: () = {
            #( #ops_consts )*

            #[automatically_derived]
            impl #rt::EventData for #ident {
                fn avro_schema(names: &mut #p::SchemaNames) -> #p::JsonValue {
                    #avro_schema
                }

                fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
                    #( (#ops.encode)(&self.#idents, out); )*
                }

                fn decode(input: &mut #p::Reader<'_>) -> ::std::result::Result<Self, #p::DataError> {
                    ::std::result::Result::Ok(Self {
                        #( #idents: #ops.decode_field(input, #names)?, )*
                    })
                }

                fn to_json(&self) -> #p::JsonValue {
                    let mut object = #p::JsonMap::new();
                    #( object.insert(::std::string::String::from(#names), (#ops.to_json)(&self.#idents)); )*
                    #p::JsonValue::Object(object)
                }

                fn from_json(value: &#p::JsonValue) -> ::std::result::Result<Self, #p::DataError> {
                    let object = #p::json_record(value, &[#(#names),*])?;
                    ::std::result::Result::Ok(Self {
                        #( #idents: (#ops.from_json)(object, #names)?, )*
                    })
                }

                fn example(kind: #p::Example) -> Self {
                    Self { #( #idents: (#ops.example)(kind), )* }
                }

                fn key_at(&self, path: &[&str]) -> ::std::result::Result<#p::KeyValue, #p::KeyPathError> {
                    match path {
                        [] => ::std::result::Result::Err(#p::KeyPathError::not_a_key(path, #type_name)),
                        #( [#names, rest @ ..] => #ops.key_under(&self.#idents, rest, #names), )*
                        _ => ::std::result::Result::Err(#p::KeyPathError::no_such_field(path, #type_name)),
                    }
                }
            }
        };
    }
}

fn event_impls(cont: &Container) -> TokenStream {
    let rt = quote!(::eventbus_runtime);
    let p = quote!(#rt::__private);
    let ident = cont.ident;
    let event_type = cont.attrs.event_type.as_ref().expect("checked").value();
    let minor_version = cont.attrs.minor_version;
    let key_field = match &cont.attrs.key_field {
        Some(lit) => quote!(::std::option::Option::Some(#lit)),
        None => quote!(::std::option::Option::None),
    };
    let doc = &cont.doc;
    let rust_type = quote!(::std::concat!(
        ::std::module_path!(),
        "::",
        ::std::stringify!(#ident)
    ));
    let (data_impl, descriptor) = if cont.attrs.in_process_only {
        (
            TokenStream::new(),
            quote!(#p::EventDescriptor::in_process::<#ident>(#doc, #rust_type)),
        )
    } else {
        // `<Event as BusEvent>` at the struct's name: an event without `Clone` is reported
        // there, with the runtime's message.
        let ops = quote_spanned!(ident.span()=> <#ident as #p::BusEvent>::OPS);
        (
            event_data_impl(cont, Schema::CloudEvent),
            quote!(#p::EventDescriptor::bus::<#ident>(#doc, #rust_type, #ops)),
        )
    };
    let key_check = key_field_check(cont);
    let claim = event_type_claim(cont);

    quote! {
        #data_impl
        #claim

        const _: () = {
            static DESCRIPTOR: #p::EventDescriptor = #descriptor;
            #p::inventory::submit!(#p::Registration(&DESCRIPTOR));

            #[automatically_derived]
            impl #rt::OpenEdxEvent for #ident {
                const EVENT_TYPE: &'static str = #event_type;
                const MINOR_VERSION: u32 = #minor_version;
                const DEFAULT_KEY_FIELD: ::std::option::Option<&'static str> = #key_field;

                fn signal() -> &'static #rt::Signal<Self> {
                    static SIGNAL: #rt::Signal<#ident> = #rt::Signal::new(#event_type, #minor_version);
                    &SIGNAL
                }

                fn descriptor() -> &'static #p::EventDescriptor {
                    &DESCRIPTOR
                }
            }

            #key_check
        };
    }
}

/// A macro named after the event type, exported at the crate's root: two structs of one crate
/// that declare the same event type define it twice, which the compiler refuses, at both
/// `event_type` strings. (Across crates, the registry refuses it when first used.)
fn event_type_claim(cont: &Container) -> TokenStream {
    let Some(lit) = &cont.attrs.event_type else {
        return TokenStream::new();
    };
    let mut name = String::from("__openedx_event_type__");
    for c in lit.value().chars() {
        match c {
            '.' => name.push_str("__"),
            '_' => name.push_str("_u"),
            '-' => name.push_str("_h"),
            c => name.push(c),
        }
    }
    let name = Ident::new(&name, lit.span());
    quote_spanned! {lit.span()=>
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #name { () => {}; }
    }
}

/// `assert_event_key(&event.a.b)`, with every token spanned at the `key_field` string, so a
/// misspelled field, a path through a non-record, or a path that ends on an optional value, a list,
/// a map or a record is a compile error pointing at the string.
fn key_field_check(cont: &Container) -> TokenStream {
    let Some(lit) = &cont.attrs.key_field else {
        return TokenStream::new();
    };
    let span = lit.span();
    let ident = cont.ident;
    let segments = lit.value();
    let segments = segments.split('.').map(|s| field_ident(s, span));
    let event = Ident::new("event", span);
    quote_spanned! {span=>
        #[allow(dead_code)]
        fn __check_key_field(#event: &#ident) {
            ::eventbus_runtime::__private::assert_event_key(&#event #(.#segments)*);
        }
    }
}

fn field_ident(segment: &str, span: Span) -> Ident {
    if syn::parse_str::<Ident>(segment).is_ok() {
        Ident::new(segment, span)
    } else {
        Ident::new_raw(segment, span)
    }
}
