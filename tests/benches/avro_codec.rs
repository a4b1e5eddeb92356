//! Avro encoding and decoding of a `CourseEnrollmentCreated` event (user, course, nested optional
//! records, dates), the workload `scripts/bench-avro.sh` also runs through the Python serializer.

use criterion::{criterion_group, criterion_main, Criterion};
use eventbus_runtime::avro::{decode_event, encode_event, Example};
use eventbus_runtime::EventData;
use openedx_events::learning::CourseEnrollmentCreated;
use std::hint::black_box;

fn codec(c: &mut Criterion) {
    let event = CourseEnrollmentCreated::example(Example::Full);
    let bytes = encode_event(&event);
    let mut group = c.benchmark_group("course_enrollment_created");
    group.bench_function("encode", |b| b.iter(|| encode_event(black_box(&event))));
    group.bench_function("decode", |b| {
        b.iter(|| decode_event::<CourseEnrollmentCreated>(black_box(&bytes)).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
