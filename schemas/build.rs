//! Generates the `.avsc` of every serializable event in the catalog into `OUT_DIR`, and an index
//! that the library includes. The committed files next to this script are checked against them by
//! `tests/evolution.rs`.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    openedx_events::link();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let mut index = String::from("&[\n");
    for descriptor in eventbus_runtime::registry::all() {
        let Ok(schema) = descriptor.schema() else {
            continue;
        };
        let file_name = eventbus_runtime::avro::schema::avsc_file_name(descriptor.event_type);
        let path = out.join(&file_name);
        std::fs::write(&path, schema.avsc_text())
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        writeln!(
            index,
            "    GeneratedSchema {{ event_type: {:?}, file_name: {:?}, text: include_str!({:?}) }},",
            descriptor.event_type,
            file_name,
            path.display().to_string()
        )
        .expect("write to a String");
    }
    index.push(']');
    std::fs::write(out.join("generated.rs"), index).expect("write the index");
    println!("cargo:rerun-if-changed=build.rs");
}
