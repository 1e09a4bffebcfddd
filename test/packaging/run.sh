#!/usr/bin/env bash
# Release packaging, on the running cluster (tools/pg_cluster.sh):
#  - META.json is valid PGXN metadata whose version is the control file's;
#  - the README stays user documentation: under 600 lines, and every
#    fairglmm function its SQL code blocks call exists in the installed
#    extension;
#  - every SQL script the control file's versions need is installed by the
#    Makefile (DATA).
set -uo pipefail
cd "$(dirname "$0")/../.."
fail=0

default=$(sed -n "s/^default_version = '\(.*\)'/\1/p" fairglmm.control)
if /usr/bin/python3 - "$default" <<'PY'
import json, sys
control = sys.argv[1]
meta = json.load(open("META.json"))
required = ["name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"]
missing = [k for k in required if k not in meta]
problems = []
if missing:
    problems.append("missing fields: " + ", ".join(missing))
if meta.get("name") != "fairglmm":
    problems.append("name is not fairglmm")
if meta.get("version") != control + ".0":
    problems.append("version %s is not the control file's %s (as x.y.0)" % (meta.get("version"), control))
prov = meta.get("provides", {}).get("fairglmm", {})
for k in ("file", "version"):
    if k not in prov:
        problems.append("provides.fairglmm lacks " + k)
if prov.get("version") != meta.get("version"):
    problems.append("provides.fairglmm.version differs from version")
import os
if prov.get("file") and not os.path.exists(prov["file"]):
    problems.append("provides.fairglmm.file %s does not exist" % prov["file"])
if meta.get("meta-spec", {}).get("version") != "1.0.0":
    problems.append("meta-spec version is not 1.0.0")
for p in problems:
    print("packaging: META.json: " + p)
sys.exit(1 if problems else 0)
PY
then echo "packaging: META.json ok (version $default.0)"; else fail=1; fi

lines=$(wc -l < README.md)
if [ "$lines" -ge 600 ]; then
    echo "packaging: README.md has $lines lines (user documentation stays under 600)"; fail=1
else
    echo "packaging: README.md has $lines lines"
fi

# function names called in the README's sql code blocks
names=$(awk '/^```sql/ {on = 1; next} /^```/ {on = 0} on' README.md |
        grep -oE '\b(fairglmm_[a-z_]+|disparate_impact)\s*\(' | sed 's/\s*($//' | sort -u)
db=fairglmm_packaging
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
psql -X -q -d postgres -c "CREATE DATABASE $db" || exit 1
psql -X -q -d "$db" -c "CREATE EXTENSION fairglmm" || fail=1
for n in $names; do
    found=$(psql -X -q -At -d "$db" -c "SELECT count(*) FROM pg_proc WHERE proname = '$n'")
    if [ "$found" = 0 ]; then echo "packaging: README calls $n(), which does not exist"; fail=1; fi
done
echo "packaging: README code blocks call $(echo "$names" | grep -c .) distinct fairglmm functions"
psql -X -q -d postgres -c "DROP DATABASE $db"

# the install and update scripts of every version are installed
for f in sql/fairglmm--*.sql; do
    grep -qE "^DATA = .*\b$(basename "$f")\b|^DATA = .*$f" Makefile ||
        { echo "packaging: $f is not in the Makefile's DATA"; fail=1; }
done
[ -f "sql/fairglmm--$default.sql" ] || { echo "packaging: no install script for $default"; fail=1; }

[ $fail = 0 ] && echo "packaging: ok" || echo "packaging: FAILED"
exit $fail
