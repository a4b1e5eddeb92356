#!/usr/bin/env bash
# Run the decoder property tests (tests/tests/decoder_props.rs) with many more cases than CI does:
# the Avro decoder of every catalog event, the Confluent framing, Kafka headers and Redis entries.
# No service is needed.
#
#   scripts/fuzz.sh                 # 100000 cases per property (about 10 minutes)
#   scripts/fuzz.sh 1000000         # more
#   scripts/fuzz.sh 20000 avro_     # only the properties whose name contains `avro_`
#
# A failing case is printed, minimized, and saved by proptest in
# tests/tests/decoder_props.proptest-regressions, so that every later run (CI included) tries it
# first; commit that file, fix the decoder, and add the case as a plain test.
set -euo pipefail
cd "$(dirname "$0")/.."

cases=${1:-100000}
filter=${2:-}
PROPTEST_CASES=$cases cargo test -p eventbus-tests --test decoder_props -- $filter
