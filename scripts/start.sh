#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, and serves the in-browser
# inspector on http://127.0.0.1:$PORT/ (default 8080) until Ctrl-C.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT"

bash scripts/setup.sh
bash scripts/build.sh
log ""
exec node scripts/serve.mjs www/dist --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
