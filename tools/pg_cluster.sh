#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests.
#
# As a library:
#     source tools/pg_cluster.sh
#     fg_cluster_start            # or: fg_cluster_start /some/new/dir
#     trap fg_cluster_stop EXIT
#     psql -c 'select 1'          # PGHOST/PGPORT/PGUSER/PGDATABASE are exported
#
# As a command (the exports are printed, so eval them):
#     eval "$(tools/pg_cluster.sh start [DIR])"
#     eval "$(tools/pg_cluster.sh env DIR)"
#     tools/pg_cluster.sh stop [DIR]
#
# Layout of DIR: data/ (PGDATA), log (server log), .s.PGSQL.<port> (socket),
# cluster.env (the export lines).  The socket lives in DIR, so every cluster
# can use the same port; several clusters can run at once.
#
# Knobs (environment): FG_PG_BINDIR (where initdb/pg_ctl live), FG_PG_PORT
# (default 5432), PG_CONFIG (pg_config to ask for the bindir).

# Find the server binaries: explicit override, then pg_config, then PG 15.
fg__bindir() {
    local d
    for d in "${FG_PG_BINDIR:-}" \
             "$("${PG_CONFIG:-pg_config}" --bindir 2>/dev/null)" \
             /usr/lib/postgresql/15/bin; do
        if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    echo "pg_cluster: cannot find initdb/pg_ctl (set FG_PG_BINDIR)" >&2
    return 1
}

# Run a command as the cluster owner: postgres when we are root, else us.
# Runs from DIR so the server never inherits an unreadable cwd (e.g. /root).
fg__as_owner() {
    local dir=$1; shift
    if [ "$(id -u)" = 0 ]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

fg_cluster_start() {
    local dir=${1:-} bindir port
    bindir=$(fg__bindir) || return 1
    port=${FG_PG_PORT:-5432}

    if [ -z "$dir" ]; then
        dir=$(mktemp -d /tmp/fairglmm-pg.XXXXXX) || return 1
    else
        if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
            echo "pg_cluster: $dir exists and is not empty" >&2
            return 1
        fi
        mkdir -p "$dir" || return 1
    fi
    dir=$(cd "$dir" && pwd -P) || return 1
    # The unix socket path has a hard limit of about 107 bytes.
    if [ $(( ${#dir} + 20 )) -gt 107 ]; then
        echo "pg_cluster: path too long for a unix socket: $dir" >&2
        return 1
    fi
    : > "$dir/.fg_cluster"          # marker: fg_cluster_stop only deletes dirs with it
    chmod 0755 "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$dir" || return 1
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "pg_cluster: postgres cannot reach $dir (check parent permissions)" >&2
            rm -rf "$dir"
            return 1
        fi
    fi

    if ! fg__as_owner "$dir" "$bindir/initdb" -D "$dir/data" -U postgres \
            -A trust -E UTF8 --locale=C --no-sync --no-instructions \
            > "$dir/initdb.log" 2>&1; then
        echo "pg_cluster: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        return 1
    fi

    # Test settings: no TCP, socket in DIR, no durability, little WAL.
    cat >> "$dir/data/postgresql.conf" <<EOF

# --- fairglmm test cluster ---
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal               # new tables filled in one transaction skip WAL
max_wal_senders = 0
max_parallel_workers_per_gather = 2
logging_collector = off
log_min_messages = warning
lc_messages = 'C'
EOF

    if ! fg__as_owner "$dir" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" \
            -w -t 60 start > /dev/null 2>&1; then
        echo "pg_cluster: server failed to start; log follows:" >&2
        cat "$dir/log" >&2 2>/dev/null
        fg__as_owner "$dir" "$bindir/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1
        rm -rf "$dir"
        return 1
    fi

    cat > "$dir/cluster.env" <<EOF
export FG_CLUSTER_DIR='$dir'
export FG_PG_BINDIR='$bindir'
export PGHOST='$dir'
export PGPORT='$port'
export PGUSER='postgres'
export PGDATABASE='postgres'
EOF
    # shellcheck disable=SC1091
    . "$dir/cluster.env"
    # Prefer the matching client tools (psql, pg_regress's friends).
    case ":$PATH:" in
        *":$bindir:"*) ;;
        *) export PATH="$bindir:$PATH" ;;
    esac
    return 0
}

# Stop the cluster (default: $FG_CLUSTER_DIR) and delete its directory.
# Safe to call twice; keeps the caller's exit status when used from a trap.
fg_cluster_stop() {
    # shellcheck disable=SC2319  # $? here is the caller's status (trap EXIT)
    local rc=$? dir=${1:-${FG_CLUSTER_DIR:-}} bindir
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        return $rc
    fi
    if [ ! -e "$dir/.fg_cluster" ]; then
        echo "pg_cluster: $dir is not a test cluster dir; not touching it" >&2
        return $rc
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        bindir=$(fg__bindir) &&
            fg__as_owner "$dir" "$bindir/pg_ctl" -D "$dir/data" stop -m fast -w \
                > /dev/null 2>&1
    fi
    rm -rf "$dir"
    if [ "${FG_CLUSTER_DIR:-}" = "$dir" ]; then
        unset FG_CLUSTER_DIR
    fi
    return $rc
}

# Print the export lines of a running cluster.
fg_cluster_env() {
    local dir=${1:-${FG_CLUSTER_DIR:-}}
    if [ -z "$dir" ] || [ ! -f "$dir/cluster.env" ]; then
        echo "pg_cluster: no cluster at '${dir}'" >&2
        return 1
    fi
    cat "$dir/cluster.env"
    # shellcheck disable=SC1091
    printf 'export PATH=%q\n' "$(. "$dir/cluster.env"; printf '%s:%s' "$FG_PG_BINDIR" "$PATH")"
}

# Command mode (only when executed, not when sourced).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        start) fg_cluster_start "${2:-}" && fg_cluster_env ;;
        stop)  [ -n "${2:-}${FG_CLUSTER_DIR:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
               fg_cluster_stop "${2:-}" ;;
        env)   fg_cluster_env "${2:-}" ;;
        *)     echo "usage: $0 start [DIR] | stop [DIR] | env [DIR]" >&2; exit 2 ;;
    esac
fi
