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
            let rt = crate::ast::runtime(
                cont.as_ref().and_then(|c| c.attrs.crate_path.as_ref()),
                Span::call_site(),
            );
            let stubs = stubs(input, derive, &rt);
            let field_checks = cont.map(|cont| field_checks(&cont));
            quote!(#errors #stubs #field_checks)
        }
        (Ok(()), None) => unreachable!("no container without an error"),
    }
}

/// Impls with no real body, so that one error in the derive does not cascade into "trait not
/// implemented" errors wherever the type is used.
fn stubs(input: &DeriveInput, derive: Derive, rt: &TokenStream) -> TokenStream {
    let ident = &input.ident;
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
        .map(|f| field_ops(&cont.runtime(), quote!(_), f.ty, cont.ident));
    quote!(const _: () = { #(#checks)* };)
}

/// `const NAME: FieldOps<T> = <T as EventData>::FIELD;`, the value spanned at the field's type:
/// the one place where the generated code needs `T: EventData`, so an unsupported type is one
/// error there.
fn field_ops(
    rt: &TokenStream,
    name: TokenStream,
    ty: &syn::Type,
    container: &Ident,
) -> TokenStream {
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
    let rt = cont.runtime();
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
        .map(|(f, op)| field_ops(&rt, quote!(#op), f.ty, cont.ident));

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
    let event_fields = event_field_checks(cont);

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
        #event_fields
    }
}

fn event_impls(cont: &Container) -> TokenStream {
    let rt = cont.runtime();
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
///
/// The name is what the compiler's error shows ("the name `…` is defined multiple times"), so it
/// reads as the message: `event_type_declared_twice__org__openedx__…__v1`.
fn event_type_claim(cont: &Container) -> TokenStream {
    let Some(lit) = &cont.attrs.event_type else {
        return TokenStream::new();
    };
    let name = Ident::new(&claim_name(&lit.value()), lit.span());
    quote_spanned! {lit.span()=>
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #name { () => {}; }
    }
}

/// The name of the claim of an event type: `.` as `__`, the rest as written. Two event types have
/// the same name only if they are the same: a segment starts with a letter, so `__` is a dot when
/// no segment holds `__` or ends with `_`; the event types for which that is not so, or that hold a
/// `-`, are escaped under another prefix.
fn claim_name(event_type: &str) -> String {
    let plain =
        !event_type.contains("__") && !event_type.contains("_.") && !event_type.contains('-');
    if plain {
        return format!(
            "event_type_declared_twice__{}",
            event_type.replace('.', "__")
        );
    }
    let mut name = String::from("event_type_declared_twice_x_");
    for c in event_type.chars() {
        match c {
            '.' => name.push_str("__"),
            '_' => name.push_str("_u"),
            '-' => name.push_str("_h"),
            c => name.push(c),
        }
    }
    name
}

/// For each type that a field's type names (`Vec<E>`: `E`), a check that it is not an event: an
/// event's data is a top-level `CloudEvent` record, and a struct that derives `OpenEdxEvent` is
/// `EventData` for the bus, so without this check it would be accepted as a field and nest a
/// second `CloudEvent` record. The check is method resolution (autoref
/// specialization): for an event the chosen method has a bound that fails with the message.
fn event_field_checks(cont: &Container) -> TokenStream {
    let mut types = Vec::new();
    for field in &cont.fields {
        named_types(field.ty, &mut types);
    }
    let checks = types.iter().map(|ty| {
        let span = ty.span();
        let rt = cont.runtime_at(span);
        let spelled = without_self(quote!(#ty), cont.ident);
        quote_spanned! {span=>
            #[allow(dead_code, clippy::all)]
            const _: () = {
                struct Probe<T: ?Sized>(::std::marker::PhantomData<T>);
                struct Quiet;
                #[diagnostic::on_unimplemented(
                    message = "`{Self}` is an event: an event cannot be a field of another event or record",
                    label = "`{Self}` derives `OpenEdxEvent`",
                    note = "an event's data is its own top-level record; put the fields both need in a struct that derives `EventData`, and use that struct as the field"
                )]
                trait NotAnEvent {}
                #[diagnostic::do_not_recommend]
                impl NotAnEvent for Quiet {}
                trait EventField<T: ?Sized> {
                    fn __openedx_not_an_event(&self) where T: NotAnEvent;
                }
                impl<T: ?Sized + #rt::OpenEdxEvent + #rt::EventData> EventField<T> for Probe<T> {
                    fn __openedx_not_an_event(&self) where T: NotAnEvent {}
                }
                trait DataField {
                    fn __openedx_not_an_event(&self) {}
                }
                impl<T: ?Sized> DataField for &Probe<T> {}
                fn check() {
                    (&Probe::<#spelled>(::std::marker::PhantomData)).__openedx_not_an_event();
                }
            };
        }
    });
    quote!(#(#checks)*)
}

/// The path types that `ty` names and that could be an event: itself and its type arguments
/// (`Option<Vec<E>>`: `E`), without the containers and the types of the runtime, which are not.
fn named_types<'a>(ty: &'a syn::Type, out: &mut Vec<&'a syn::Type>) {
    const NOT_EVENTS: &[&str] = &[
        "bool",
        "i32",
        "i64",
        "u32",
        "u8",
        "f64",
        "String",
        "Option",
        "Vec",
        "HashMap",
        "BTreeMap",
        "DateTime",
        "Utc",
        "EventDateTime",
        "Uuid",
        "CourseKey",
        "UsageKey",
        "CcxLocator",
        "LibraryLocatorV2",
        "LibraryUsageLocatorV2",
        "LibraryCollectionLocator",
        "LibraryContainerLocator",
    ];
    let syn::Type::Path(path) = ty else {
        return;
    };
    let Some(last) = path.path.segments.last() else {
        return;
    };
    if path.qself.is_some() || !NOT_EVENTS.contains(&last.ident.to_string().as_str()) {
        out.push(ty);
    }
    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
        for arg in &args.args {
            if let syn::GenericArgument::Type(inner) = arg {
                named_types(inner, out);
            }
        }
    }
}

/// The check of a `key_field` path, every token spanned at the string. The first segment is one of
/// the event's own fields (checked by `check`); below it the derive cannot see the fields of the
/// records, so the generated code descends the path and, at each segment, asks the compiler what
/// the value is: a record goes on (and a misspelled field is the compiler's "no field" on that
/// record), while an optional value, a list, a map or a scalar fails a trait bound whose
/// `#[diagnostic::on_unimplemented]` message names the segment and why. The path must end on a
/// key (`EventKey`); an optional value, a list or a map there has its own message too.
///
/// The kind of a value is found by method resolution (autoref specialization): a probe around the
/// value has one trait per kind, implemented by value for `Option<T>`, `Vec<T>`, the maps and the
/// `EventKey` types, and one implemented by reference for every type, found only when none of the
/// others is. Each segment's items are in a block of their own, so they are named alike (the
/// compiler names the failing trait in its help: "the trait `NotOptional` is not implemented for
/// `Option<UserData>`"). After a failing segment the path goes on through a local stand-in, so one
/// mistake is one error.
fn key_field_check(cont: &Container) -> TokenStream {
    let Some(lit) = &cont.attrs.key_field else {
        return TokenStream::new();
    };
    let span = lit.span();
    let ident = cont.ident;
    let path = lit.value();
    let segments: Vec<&str> = path.split('.').collect();
    let rt = cont.runtime_at(span);
    let first = field_ident(segments[0], span);
    let hash_map = quote_spanned!(span=> ::std::collections::HashMap);
    let btree_map = quote_spanned!(span=> ::std::collections::BTreeMap);
    let date_time = quote_spanned!(span=> #rt::prelude::EventDateTime);
    let through_note = "a key path goes through records only: end it on a field of a record, or key the event by another field";
    // A marker trait with the message, and one impl (not shown) so that the compiler does not
    // suggest adding one.
    let marker = |name: &str, message: String, label: String, note: &str| {
        let name = Ident::new(name, span);
        quote_spanned! {span=>
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait #name {}
            #[diagnostic::do_not_recommend]
            impl #name for __OpenedxQuiet {}
        }
    };

    let mut steps = TokenStream::new();
    for (i, next_name) in segments.iter().enumerate().skip(1) {
        let prefix = segments[..i].join(".");
        let next = field_ident(next_name, span);
        let markers = [
            marker(
                "NotOptional",
                format!("key_field `{path}`: `{prefix}` is optional (`{{Self}}`), and a key path cannot go through an optional field"),
                format!("`{prefix}` may be null, and then there is no `{next_name}`"),
                through_note,
            ),
            marker(
                "NotAList",
                format!("key_field `{path}`: `{prefix}` is a list (`{{Self}}`), and a key path cannot go through a list"),
                format!("a list has a `{next_name}` per item, and a key is one value"),
                through_note,
            ),
            marker(
                "NotAMap",
                format!("key_field `{path}`: `{prefix}` is a map (`{{Self}}`), and a key path cannot go through a map"),
                format!("a map has a `{next_name}` per entry, and a key is one value"),
                through_note,
            ),
            marker(
                "ARecord",
                format!("key_field `{path}`: `{prefix}` is a `{{Self}}`, which has no fields"),
                format!("`{next_name}` cannot be read from a `{{Self}}`: end the path at `{prefix}`"),
                through_note,
            ),
        ];
        steps.extend(quote_spanned! {span=>
            let mut __value = {
                struct Stop { #next: __OpenedxQuiet }
                #(#markers)*
                trait OptionalStep<T> {
                    fn __openedx_key_step(&self) -> &T where ::std::option::Option<T>: NotOptional;
                }
                impl<T> OptionalStep<T> for ::std::option::Option<T> {
                    fn __openedx_key_step(&self) -> &T where ::std::option::Option<T>: NotOptional { ::std::unreachable!() }
                }
                trait ListStep<T> {
                    fn __openedx_key_step(&self) -> &T where ::std::vec::Vec<T>: NotAList;
                }
                impl<T> ListStep<T> for ::std::vec::Vec<T> {
                    fn __openedx_key_step(&self) -> &T where ::std::vec::Vec<T>: NotAList { ::std::unreachable!() }
                }
                trait MapStep<M: ?Sized, V> {
                    fn __openedx_key_step(&self) -> &V where M: NotAMap;
                }
                impl<K, V, S> MapStep<#hash_map<K, V, S>, V> for #hash_map<K, V, S> {
                    fn __openedx_key_step(&self) -> &V where #hash_map<K, V, S>: NotAMap { ::std::unreachable!() }
                }
                impl<K, V> MapStep<#btree_map<K, V>, V> for #btree_map<K, V> {
                    fn __openedx_key_step(&self) -> &V where #btree_map<K, V>: NotAMap { ::std::unreachable!() }
                }
                trait QuietStep {
                    fn __openedx_key_step(&self) -> &Stop;
                }
                impl QuietStep for __OpenedxQuiet {
                    fn __openedx_key_step(&self) -> &Stop { ::std::unreachable!() }
                }
                // Scalars that the runtime's `EventKey` does not list.
                trait OtherLeafStep<T: ?Sized> {
                    fn __openedx_key_step(&self) -> &Stop where T: ARecord;
                }
                impl<T: ?Sized + __OpenedxOtherKey> OtherLeafStep<T> for T {
                    fn __openedx_key_step(&self) -> &Stop where T: ARecord { ::std::unreachable!() }
                }
                // Found after the above (`&&T`): a scalar.
                trait LeafStep<'a, T: ?Sized> {
                    fn __openedx_key_step(&self) -> &'a Stop where T: ARecord;
                }
                impl<'a, T: ?Sized + #rt::key::EventKey> LeafStep<'a, T> for &'a T {
                    fn __openedx_key_step(&self) -> &'a Stop where T: ARecord { ::std::unreachable!() }
                }
                // Found last (`&mut &T`): a record (or a type the compiler reports elsewhere).
                trait RecordStep<'a, T: ?Sized> {
                    fn __openedx_key_step(&mut self) -> &'a T;
                }
                impl<'a, T: ?Sized> RecordStep<'a, T> for &'a T {
                    fn __openedx_key_step(&mut self) -> &'a T { *self }
                }
                &(*__value.__openedx_key_step()).#next
            };
        });
    }

    let end_note = "a key path ends on a string, number, boolean, date, UUID or opaque key, not on an optional field, a list, a map or a record";
    let many =
        "a key is one value: end the path on a string, number, boolean, date, UUID or opaque key";
    let end_markers = [
        marker(
            "NotOptional",
            format!("key_field `{path}` ends on an optional field (`{{Self}}`)"),
            "a key cannot be null: end the path on a required field".to_owned(),
            end_note,
        ),
        marker(
            "NotAList",
            format!("key_field `{path}` ends on a list (`{{Self}}`)"),
            many.to_owned(),
            end_note,
        ),
        marker(
            "NotAMap",
            format!("key_field `{path}` ends on a map (`{{Self}}`)"),
            many.to_owned(),
            end_note,
        ),
    ];
    let event = Ident::new("event", span);
    quote_spanned! {span=>
        #[allow(dead_code, unused, non_camel_case_types, clippy::all)]
        fn __check_key_field(#event: &#ident) {
            struct __OpenedxQuiet;
            // Keys that the runtime's `EventKey` does not list, which `key_at` reads.
            trait __OpenedxOtherKey {}
            impl __OpenedxOtherKey for #date_time {}
            impl __OpenedxOtherKey for u8 {}
            // The method calls are on the reference itself: after a field the compiler reported
            // (a misspelled one), it stops there instead of finding every candidate.
            let mut __value = &#event.#first;
            #steps
            #(#end_markers)*
            trait OptionalEnd<T> {
                fn __openedx_key_end(&self) where ::std::option::Option<T>: NotOptional;
            }
            impl<T> OptionalEnd<T> for ::std::option::Option<T> {
                fn __openedx_key_end(&self) where ::std::option::Option<T>: NotOptional {}
            }
            trait ListEnd<T> {
                fn __openedx_key_end(&self) where ::std::vec::Vec<T>: NotAList;
            }
            impl<T> ListEnd<T> for ::std::vec::Vec<T> {
                fn __openedx_key_end(&self) where ::std::vec::Vec<T>: NotAList {}
            }
            trait MapEnd<M: ?Sized> {
                fn __openedx_key_end(&self) where M: NotAMap;
            }
            impl<K, V, S> MapEnd<#hash_map<K, V, S>> for #hash_map<K, V, S> {
                fn __openedx_key_end(&self) where #hash_map<K, V, S>: NotAMap {}
            }
            impl<K, V> MapEnd<#btree_map<K, V>> for #btree_map<K, V> {
                fn __openedx_key_end(&self) where #btree_map<K, V>: NotAMap {}
            }
            trait QuietEnd {
                fn __openedx_key_end(&self);
            }
            impl QuietEnd for __OpenedxQuiet {
                fn __openedx_key_end(&self) {}
            }
            trait OtherKeyEnd {
                fn __openedx_key_end(&self);
            }
            impl<T: ?Sized + __OpenedxOtherKey> OtherKeyEnd for T {
                fn __openedx_key_end(&self) {}
            }
            // Found after the above (`&&T`): the value must be a key.
            trait KeyEnd<T: ?Sized> {
                fn __openedx_key_end(&self) where T: #rt::key::EventKey;
            }
            impl<'a, T: ?Sized> KeyEnd<T> for &'a T {
                fn __openedx_key_end(&self) where T: #rt::key::EventKey {}
            }
            __value.__openedx_key_end();
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

#[cfg(test)]
mod tests {
    use super::claim_name;

    #[test]
    fn claim_names() {
        assert_eq!(
            claim_name("org.openedx.content_authoring.xblock.published.v1"),
            "event_type_declared_twice__org__openedx__content_authoring__xblock__published__v1"
        );
        // Distinct event types have distinct names, even where `_`, `.` and `-` could meet.
        let types = [
            "org.openedx.a_b.c.v1",
            "org.openedx.a.b_c.v1",
            "org.openedx.a__b.c.v1",
            "org.openedx.a_.b.v1",
            "org.openedx.a.b.v1",
            "org.openedx.a-b.c.v1",
            "org.openedx.a_hb.c.v1",
            "org.openedx.a_x_.c.v1",
        ];
        let names: std::collections::BTreeSet<String> =
            types.iter().map(|t| claim_name(t)).collect();
        assert_eq!(names.len(), types.len());
    }
}
