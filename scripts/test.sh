#!/usr/bin/env bash
# Run the whole test suite, as CI does: make the Python 3.12 reference venv, start Kafka, the schema
# registry and Redis on 127.0.0.1 (scripts/services.sh), and the three-broker cluster (`up cluster`,
# for `topics create`'s default replication on a cluster), run `cargo test --workspace`, and stop
# the services again, whatever happens. Extra arguments go to `cargo test`. The cluster fault tests
# (tests/tests/fault_cluster.rs) start a cluster of their own with scripts/fault-node.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTBUS_PYTHON=$(scripts/python-venv.sh)
export EVENTBUS_PYTHON

if [[ -x scripts/services.sh ]]; then
  scripts/services.sh up
  trap 'scripts/services.sh down' EXIT
  scripts/services.sh up cluster >/dev/null
  eval "$(scripts/services.sh env)"
fi

cargo test --workspace --no-fail-fast "$@"
# The OTLP export is a feature of its own (not in the workspace build): its test runs here.
cargo test -p eventbus-runtime --features otlp --test otlp "$@"
