# Sourced by ./hookbox and .ci/run: puts Node >= 24 and pnpm on PATH (installing them into
# .tools/ from the npm registry when the machine lacks them), then installs the workspace
# from the lockfile. Needs only npm.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
TOOLS="$ROOT/.tools"
# The one Node line Hookbox is tested on; package.json "engines", .nvmrc and the Dockerfile say the same.
NODE_VERSION=24
PNPM_VERSION=10.34.9

node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= '"$NODE_VERSION"' ? 0 : 1)'
}

if [ -x "$TOOLS/node_modules/.bin/node" ]; then
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi
if ! node_ok || ! command -v pnpm >/dev/null 2>&1; then
  echo "hookbox: installing Node $NODE_VERSION and pnpm $PNPM_VERSION into .tools/ (the machine has $(node --version 2>/dev/null || echo 'no node'))"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" "pnpm@$PNPM_VERSION" >/dev/null
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi
node_ok || { echo "hookbox: Node >= $NODE_VERSION is required and could not be installed" >&2; exit 1; }

if [ "${HOOKBOX_SKIP_INSTALL:-}" != "1" ]; then
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=silent)
fi
