#!/usr/bin/env bash
# Installs what building and testing h2lens needs, and nothing that is
# already there (a warm run takes about a second). Safe to run any number of
# times, from any directory. Each piece is checked on its own:
#
#   rustfmt, clippy, wasm32 target   rustup
#   wasm-bindgen CLI                 cargo install, same version as Cargo.lock
#   chromium, firefox-esr, tshark,   apt-get (Debian), one update, only if needed
#   libnghttp2-dev
#   node_modules                     npm ci, when package-lock.json changed
#   Python test packages             pip, when tests/requirements.txt exists
#
# Set H2LENS_SKIP_APT=1 to skip the system packages (browser tests need
# /usr/bin/chromium, firefox.test.mjs /usr/bin/firefox-esr; some fixture
# tests use tshark).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT"

setup_start=$(now)

# --- Rust -----------------------------------------------------------------
rust_pieces() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
  local components=()
  cargo fmt --version >/dev/null 2>&1 || components+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || components+=(clippy)
  if [ ${#components[@]} -gt 0 ]; then
    log "installing rustup components: ${components[*]}"
    rustup component add "${components[@]}"
  fi
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  log "$(rustc --version); wasm32 target present"
}
timed "rust toolchain pieces" rust_pieces

wasm_bindgen_cli() {
  local want have
  want=$(wasm_bindgen_lock_version)
  [ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
  have=$(wasm_bindgen_cli_version)
  if [ "$have" = "$want" ]; then
    log "wasm-bindgen CLI $have present"
    return 0
  fi
  log "installing wasm-bindgen-cli $want (found: ${have:-none}); takes about 2-3 minutes"
  cargo install --locked wasm-bindgen-cli --version "$want"
  have=$(wasm_bindgen_cli_version)
  [ "$have" = "$want" ] || die "wasm-bindgen on PATH is ${have:-missing} after installing $want (is ~/.cargo/bin first on PATH?)"
}
timed "wasm-bindgen CLI" wasm_bindgen_cli

# --- System packages --------------------------------------------------------
system_packages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # tests/browser/firefox.test.mjs drives it (WebDriver BiDi, puppeteer-core).
  [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
  command -v tshark >/dev/null 2>&1 || missing+=(tshark)
  # The HPACK benchmark crate links libnghttp2; clippy --workspace builds it.
  [ -f /usr/include/nghttp2/nghttp2.h ] || missing+=(libnghttp2-dev)
  if [ ${#missing[@]} -eq 0 ]; then
    log "chromium, firefox-esr, tshark and libnghttp2-dev present"
    return 0
  fi
  if [ "${H2LENS_SKIP_APT:-}" = 1 ]; then
    log "warning: H2LENS_SKIP_APT=1, not installing: ${missing[*]}"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "missing ${missing[*]} and no apt-get: install them with your package manager"
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: run as root or install sudo"
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer before it asks.
  echo "wireshark-common wireshark-common/install-setuid boolean false" |
    "${sudo[@]}" debconf-set-selections
  log "apt-get install: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
timed "system packages (chromium, firefox-esr, tshark, libnghttp2-dev)" system_packages

# --- npm --------------------------------------------------------------------
node_packages() {
  command -v node >/dev/null || die "node not found: install Node.js 20.19 or later"
  node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    if (maj < 20 || (maj === 20 && min < 19)) {
      console.error(`error: Node.js ${process.versions.node} is too old; Vite 7 needs 20.19 or later`);
      process.exit(1);
    }'
  # The stamp records which lockfile node_modules was installed from.
  local stamp=node_modules/.h2lens-setup-stamp want
  want=$(cat package.json npm/h2lens/package.json www/package.json package-lock.json | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/.bin/wasm-opt ]; then
    log "node_modules up to date (node $(node --version), npm $(npm --version))"
    return 0
  fi
  log "npm ci (node $(node --version), npm $(npm --version))"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
}
timed "npm packages" node_packages

# --- Python -----------------------------------------------------------------
python_packages() {
  local req=tests/requirements.txt stamp want
  if [ ! -f "$req" ]; then
    log "no $req"
    return 0
  fi
  stamp="${XDG_CACHE_HOME:-$HOME/.cache}/h2lens/requirements.sha256"
  want=$( (python3 --version; cat "$req") | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "$req already installed"
    return 0
  fi
  python3 -m pip install --disable-pip-version-check -q -r "$req"
  mkdir -p "$(dirname "$stamp")"
  echo "$want" >"$stamp"
}
timed "python test packages" python_packages

log ""
log "setup done in $(elapsed "$setup_start") s"
