# moto's S3 server, which the tests of the S3 image store start on a port of their own.
# From PyPI, into the Python on PATH: CI machines are fresh.

ensure_moto() {
  if ! moto_server --help >/dev/null 2>&1; then
    echo "installing moto's S3 server" >&2
    python3 -m pip install --quiet 'moto[server]' >&2
  fi
}
