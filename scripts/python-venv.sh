#!/usr/bin/env bash
# Create (once) the Python 3.12 virtual environment with the reference Python event bus
# (tests/python/requirements.txt) and print its python's path. Reused while the requirements
# file is unchanged; the pip cache outside the clone makes a rebuild fast.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${EVENTBUS_CACHE:-$HOME/.cache/openedx-eventbus}
venv=$cache/venv
requirements=$root/tests/python/requirements.txt
stamp=$venv/.requirements.sha256
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)

if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$cache"
rm -rf "$venv"
if command -v pyenv >/dev/null 2>&1 || [[ -x $HOME/.pyenv/bin/pyenv ]]; then
  PYENV_VERSION=${EVENTBUS_PYENV_VERSION:-3.12.1} python3.12 -m venv "$venv" >&2
else
  python3.12 -m venv "$venv" >&2
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
echo "$wanted" >"$stamp"
echo "$venv/bin/python"
