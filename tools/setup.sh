#!/usr/bin/env bash
# Install what fairglmm needs on a Debian machine, then build and install it.
# Safe to re-run: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql-15 postgresql-server-dev-15 libopenblas-dev liblapacke-dev
          gcc make pkg-config python3-numpy python3-statsmodels ${FG_EXTRA_PACKAGES:-})
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

# An exported PG_CONFIG selects another PostgreSQL installation (passed on
# explicitly, as sudo drops the environment); unset, the Makefile's default.
pg_config=PG_CONFIG="${PG_CONFIG:-pg_config}"
make -s "$pg_config"
if [ "$(id -u)" = 0 ]; then
    make -s install "$pg_config" >/dev/null
else
    sudo make -s install "$pg_config" >/dev/null
fi
