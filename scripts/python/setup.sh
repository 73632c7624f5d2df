#!/usr/bin/env bash
# Creates the Python "witness" environment used by the integration tests: a virtual environment with the
# reference Confluent serializer (confluent-kafka's AvroSerializer, which encodes with fastavro) so that framed
# records in the tests are written by a real producer library, not by kefgen.
# Idempotent: when the venv already holds the pinned versions it returns at once.
# Location: $KEFGEN_PY_VENV, default ~/.cache/kefgen/venv (outside the checkout, nothing for git to ignore).
set -euo pipefail
VENV="${KEFGEN_PY_VENV:-$HOME/.cache/kefgen/venv}"
PY="${PYTHON:-python3}"
# AvroSerializer imports fastavro, requests, attrs, cachetools and httpx (schema_registry client); the [avro]
# extra of confluent-kafka declares them.
REQS=("confluent-kafka[avro]==2.16.*" "fastavro==1.13.*")
STAMP="$VENV/.kefgen-reqs"
WANT="${REQS[*]}"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] \
  && "$VENV/bin/python" -c "from confluent_kafka.schema_registry.avro import AvroSerializer; import fastavro" 2>/dev/null; then
  echo "$VENV"
  exit 0
fi
mkdir -p "$(dirname "$VENV")"
[[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet "${REQS[@]}" >&2
"$VENV/bin/python" -c "from confluent_kafka.schema_registry.avro import AvroSerializer; import fastavro"
echo "$WANT" > "$STAMP"
echo "$VENV"
