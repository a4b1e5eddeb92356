#!/usr/bin/env bash
# Create (once) the Python 3.12 virtual environment with the reference Python event bus
# (tests/python/requirements.txt) and this repository's Django package edx-event-bus-outbox/, and
# print its python's path. Reused while the requirements file and the package's files are
# unchanged; when they change, an existing venv is updated in place (never deleted: tests may be
# using it); the pip cache outside the clone makes a rebuild fast. EVENTBUS_VENV_REBUILD=1 starts
# from a new venv.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${EVENTBUS_CACHE:-$HOME/.cache/openedx-eventbus}
venv=$cache/venv
requirements=$root/tests/python/requirements.txt
package=$root/edx-event-bus-outbox
stamp=$venv/.requirements.sha256
wanted=$( (sha256sum "$requirements"; cd "$package" && find . -type f \( -name '*.py' -o -name '*.toml' -o -name '*.md' \) \
  -not -path '*/build/*' -not -path '*.egg-info*' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)

if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$cache"
if [[ ${EVENTBUS_VENV_REBUILD:-} == 1 || ! -x $venv/bin/python ]]; then
  rm -rf "$venv"
  if command -v pyenv >/dev/null 2>&1 || [[ -x $HOME/.pyenv/bin/pyenv ]]; then
    PYENV_VERSION=${EVENTBUS_PYENV_VERSION:-3.12.1} python3.12 -m venv "$venv" >&2
  else
    python3.12 -m venv "$venv" >&2
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
# The package from its folder (a copy, not editable: the stamp above reinstalls it when it changes),
# built with the setuptools openedx-events brings, without downloading a build environment.
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp -r "$package" "$build/pkg"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps \
  --force-reinstall "$build/pkg" >&2
echo "$wanted" >"$stamp"
echo "$venv/bin/python"
