# Installs what the build and tests need, when missing. Sourced by .ci/build, .ci/serve and .ci/test.
WASM_BINDGEN_VERSION=0.2.130

need_wasm_toolchain() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "installing the wasm32-unknown-unknown target…" >&2
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes several minutes, once)…" >&2
    # No --locked: one of its locked dependencies is missing from the registry.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

need_lints() {
  for component in clippy rustfmt; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
      echo "installing rustup component $component…" >&2
      rustup component add "$component"
    fi
  done
}

need_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "installing Debian's chromium and chromium-driver…" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

need_node_packages() {
  if [ ! -d tests/web/node_modules/playwright-core ] || [ ! -d tests/web/node_modules/selenium-webdriver ]; then
    echo "installing playwright-core and selenium-webdriver (driving Debian's chromium and firefox-esr; no browser download)…" >&2
    (cd tests/web && npm install --no-audit --no-fund --silent)
  fi
}

# A virtual environment with numpy and safetensors (target/venv, ignored by git), for the test that
# round-trips weights through the real Python packages (tests/weights.rs, tests/weights_python.py).
PYTHON_VENV=target/venv

need_python_packages() {
  if ! "$PYTHON_VENV/bin/python" -c 'import numpy, safetensors' 2>/dev/null; then
    echo "creating $PYTHON_VENV with numpy and safetensors…" >&2
    if ! python3 -m venv "$PYTHON_VENV" 2>/dev/null; then
      # Debian's python3 needs its venv module installed separately.
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo=sudo
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$PYTHON_VENV"
      python3 -m venv "$PYTHON_VENV"
    fi
    "$PYTHON_VENV/bin/python" -m pip install --quiet --disable-pip-version-check numpy safetensors
  fi
  export TMS_PYTHON="$PWD/$PYTHON_VENV/bin/python"
}

# The second engine: Debian's Firefox ESR, driven through geckodriver (the wasm tests and a page smoke
# test run in it after Chromium's). geckodriver comes from crates.io, built once (a few minutes) and
# then found by its version. It is built without optimisation (--debug): it only relays a few
# WebDriver requests to Firefox, and the unoptimised build takes about half the compile time.
GECKODRIVER_VERSION=0.37.1

need_firefox() {
  if [ ! -x /usr/bin/firefox-esr ]; then
    echo "installing Debian's firefox-esr…" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    # need_chromium may have just read the package lists; read them only when they lack firefox-esr.
    if ! apt-cache policy firefox-esr 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      $sudo apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq firefox-esr >/dev/null
  fi
  if ! geckodriver --version 2>/dev/null | grep -q "^geckodriver $GECKODRIVER_VERSION\b"; then
    echo "installing geckodriver $GECKODRIVER_VERSION (takes a few minutes, once)…" >&2
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --debug --force
  fi
}
