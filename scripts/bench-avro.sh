#!/usr/bin/env bash
# Encode/decode benchmark, Rust against Python, in the same run on the same machine:
# runs the criterion bench tests/benches/avro_codec.rs, then the same workload (the same
# CourseEnrollmentCreated event) through openedx-events' Python serializer, and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

python=$(scripts/python-venv.sh)
cargo bench -p eventbus-tests --bench avro_codec -- --noplot "$@"

spec=$(mktemp)
trap 'rm -f "$spec"' EXIT
cargo run -q -p eventbus-tests --example print_example -- org.openedx.learning.course.enrollment.created.v1 20000 >"$spec"
python_result=$("$python" tests/python/bench_avro.py "$spec")

"$python" - "$python_result" <<'PY'
import json, sys
py = json.loads(sys.argv[1])
def rust(name):
    with open(f"target/criterion/course_enrollment_created/{name}/new/estimates.json") as f:
        return json.load(f)["mean"]["point_estimate"]
print(f"\nCourseEnrollmentCreated, {py['bytes']} bytes of Avro, nanoseconds per event:")
print(f"{'':10}{'Rust':>10}{'Python (cached)':>18}{'Python (library)':>19}{'speed-up':>12}")
for op in ("encode", "decode"):
    r = rust(op)
    print(f"{op:10}{r:10.0f}{py[op + '_cached']:18.0f}{py[op + '_library']:19.0f}"
          f"{py[op + '_cached'] / r:10.1f}x / {py[op + '_library'] / r:.0f}x")
PY
