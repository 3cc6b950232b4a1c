#!/usr/bin/env bash
# Score `envcheck explain` on the real reports of ../shared/corpus (top-1 category of the first
# error, else the first warning; healthy reports must raise no error). A benchmark, not a CI
# test: the corpus lives beside the project, not in it.
# Usage: bash benchmarks/explain_corpus.sh [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${ENVCHECK_CORPUS:-../shared/corpus}
scorer=${ENVCHECK_SCORER:-../shared/tools/score_explain.py}
if [ ! -d "$corpus" ] || [ ! -f "$scorer" ]; then
  echo "no corpus at $corpus (set ENVCHECK_CORPUS and ENVCHECK_SCORER)" >&2
  exit 2
fi
exec python3 "$scorer" .venv/bin/envcheck "$corpus" "$@"
