#!/usr/bin/env bash
# Install what fairglmm needs on a Debian machine, then build and install it.
# Safe to re-run: packages already present are not reinstalled.
#
# PG_CONFIG (environment, optional): the pg_config of the PostgreSQL to build
# against and install into.  Unset, the system's PostgreSQL 15 (Debian
# packages postgresql-15 and postgresql-server-dev-15) is used; set, those two
# packages are not required, since that installation brings its own.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev liblapacke-dev gcc make pkg-config
          python3-numpy python3-statsmodels ${FG_EXTRA_PACKAGES:-})
if [ -z "${PG_CONFIG:-}" ]; then
    packages=(postgresql-15 postgresql-server-dev-15 "${packages[@]}")
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: missing packages: ${missing[*]}; run as root or install them" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pg_config=${PG_CONFIG:-pg_config}
if ! "$pg_config" --pgxs >/dev/null 2>&1; then
    echo "setup: $pg_config does not work (set PG_CONFIG to a PostgreSQL 15 pg_config)" >&2
    exit 1
fi
make -s PG_CONFIG="$pg_config"
if [ "$(id -u)" = 0 ]; then
    make -s install PG_CONFIG="$pg_config" >/dev/null
else
    sudo make -s install PG_CONFIG="$pg_config" >/dev/null
fi
