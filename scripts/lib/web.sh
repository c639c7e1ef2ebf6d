# Shared by scripts/run and scripts/test: what the web client (frontend/) needs on a
# fresh machine. Source it; every function is idempotent.

PNPM_VERSION=10.34.8 # keep equal to packageManager in frontend/package.json
export NEXT_TELEMETRY_DISABLED=1

# pnpm from the npm registry, pinned, when it is missing or another version.
ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    echo "installing pnpm $PNPM_VERSION" >&2
    npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2
  fi
}

# Debian's Chromium for the browser tests (a tool's own browser download cannot work here).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian chromium" >&2
    if ! apt-get install -y --no-install-recommends chromium >&2; then
      apt-get update >&2
      apt-get install -y --no-install-recommends chromium >&2
    fi
  fi
}

# Dependencies from the committed lockfile, then the production build (which generates the
# API types from openapi/openapi.json first).
web_install() {
  ensure_pnpm
  (cd frontend && pnpm install --frozen-lockfile --prefer-offline)
}

web_build() {
  (cd frontend && pnpm build)
}
