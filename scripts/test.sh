#!/usr/bin/env bash
# Install swarmscope with its test dependencies into .venv and run the whole test suite.
# This is the README's test command and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CI:-}" = "true" ] || [ "${SWARMSCOPE_SYSTEM_DEPS:-}" = "1" ]; then
  bash scripts/system-deps.sh
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$code"
