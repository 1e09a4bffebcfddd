#!/usr/bin/env bash
# The upgrade path, on the running cluster (tools/pg_cluster.sh):
#  1. a database with the extension at version 1.0 stores models made by the
#     1.0 build (fixtures_1.0.sql); the current library scores them exactly as
#     1.0 did, before and after ALTER EXTENSION fairglmm UPDATE;
#     views made under 1.0 on disparate_impact (whose state changed in 1.1)
#     still work and give the same values after the update;
#  2. the updated database and a fresh CREATE EXTENSION have the same
#     functions, aggregates, signatures and comments.
set -uo pipefail
cd "$(dirname "$0")/../.."
old=fairglmm_upgrade_old
new=fairglmm_upgrade_new
fail=0
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$@"; }

for db in $old $new; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
    psql -X -q -d postgres -c "CREATE DATABASE $db" || exit 1
done

psql_db $old -c "CREATE EXTENSION fairglmm VERSION '1.0'" -f test/upgrade/data.sql \
    -f test/upgrade/fixtures_1.0.sql >/dev/null || exit 1

# predictions of the stored 1.0 models that differ from 1.0's own, bit for bit
mismatches="
SELECT count(*) FROM fixture_predictions f
JOIN fixture_models USING (name) JOIN upgrade_rows r USING (id),
LATERAL (SELECT CASE WHEN f.name = 'fair_glmm_text' THEN fairglmm_predict(m, r.x, 'g' || r.g)
                     ELSE fairglmm_predict(m, r.x, r.g) END AS p,
                fairglmm_predict(m, r.x) AS pp,
                CASE WHEN f.name = 'fair_glmm_text' THEN fairglmm_classify(m, r.x, 'g' || r.g)
                     ELSE fairglmm_classify(m, r.x, r.g) END AS yhat) AS now
WHERE now.p IS DISTINCT FROM f.p OR now.pp IS DISTINCT FROM f.p_population
   OR now.yhat IS DISTINCT FROM f.yhat"
n=$(psql_db $old -c "SELECT count(*) FROM fixture_predictions") || exit 1
[ "$n" -gt 100 ] || { echo "upgrade: only $n fixture predictions"; fail=1; }
bad=$(psql_db $old -c "$mismatches") || bad=error
echo "upgrade: 1.0 models under extension 1.0: $n predictions, $bad differ"
[ "$bad" = 0 ] || fail=1

# views that call 1.0's disparate_impact (all four signatures, plain, grouped
# and as a sliding window) must survive the update and give the same values
di_views="
CREATE VIEW di_1_0 AS
SELECT disparate_impact(y, s = 1) AS bb, disparate_impact(y, s) AS bi,
       disparate_impact(y::int, s = 1) AS ib, disparate_impact(y::int, s) AS ii FROM upgrade_rows;
CREATE VIEW di_1_0_grouped AS
SELECT g, disparate_impact(y, s) AS di FROM upgrade_rows GROUP BY g;
CREATE VIEW di_1_0_window AS
SELECT id, disparate_impact(y, s) OVER (ORDER BY id ROWS BETWEEN 50 PRECEDING AND CURRENT ROW) AS di
FROM upgrade_rows;"
di_values="
SELECT (SELECT bb || ' ' || bi || ' ' || ib || ' ' || ii FROM di_1_0) || ' '
    || (SELECT string_agg(g || ':' || coalesce(di::text, 'null'), ',' ORDER BY g) FROM di_1_0_grouped) || ' '
    || (SELECT md5(string_agg(coalesce(di::text, 'null'), ',' ORDER BY id)) FROM di_1_0_window)"
psql_db $old -c "$di_views" || fail=1
before=$(psql_db $old -c "$di_values") || before=error

psql_db $old -c "ALTER EXTENSION fairglmm UPDATE" || fail=1
after=$(psql_db $old -c "$di_values") || after=error
if [ "$before" = "$after" ] && [ "$before" != error ]; then
    echo "upgrade: views on 1.0's disparate_impact give the same values after the update (${before:0:48}...)"
else
    echo "upgrade: views on 1.0's disparate_impact differ after the update: '$before' / '$after'"; fail=1
fi
version=$(psql_db $old -c "SELECT extversion FROM pg_extension WHERE extname = 'fairglmm'")
default=$(sed -n "s/^default_version = '\(.*\)'/\1/p" fairglmm.control)
echo "upgrade: updated to $version (control file: $default)"
[ "$version" = "$default" ] || fail=1
bad=$(psql_db $old -c "$mismatches") || bad=error
echo "upgrade: 1.0 models after the update: $bad differ"
[ "$bad" = 0 ] || fail=1
# every stored model still decodes for the introspection functions
bad=$(psql_db $old -c "
  SELECT count(*) FROM fixture_models
  WHERE fairglmm_info(m) ->> 'format_version' <> '1'
     OR (fairglmm_info(m) -> 'options' ->> 'l2')::float8 <> 0
     OR (SELECT count(*) FROM fairglmm_coefficients(m)) <> 4") || bad=error
echo "upgrade: 1.0 models whose info or coefficients are off: $bad"
[ "$bad" = 0 ] || fail=1

# the same calls fitted again by this build: one binary attribute, unit
# weights, must give 1.0's models, every coefficient and random intercept to
# 1e-12 relative (and the constrained form's multiplier)
refit="
WITH again AS (
  SELECT 'lr' AS name, fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"lr\"}') AS m FROM upgrade_rows
  UNION ALL SELECT 'fair_lr', fairglmm_fit(y, x, g, s, 0.8, 1, '{\"method\": \"fair_lr\", \"feature_names\": [\"a\", \"b\", \"c\"]}') FROM upgrade_rows
  UNION ALL SELECT 'crlr', fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"crlr\"}') FROM upgrade_rows
  UNION ALL SELECT 'fair_crlr_c', fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"fair_crlr\", \"c\": 0.01, \"threshold\": 0.4}') FROM upgrade_rows
  UNION ALL SELECT 'glmm', fairglmm_fit(y, x, g, s, 0, 1, '{\"method\": \"glmm\", \"nu\": 0.5}') FROM upgrade_rows
  UNION ALL SELECT 'fair_glmm_text', fairglmm_fit(y, x, 'g' || g, s, 0.8, 1) FROM upgrade_rows),
diffs AS (
  SELECT a.name, abs(c1.estimate - c0.estimate) / greatest(1, abs(c0.estimate)) AS d
  FROM again a JOIN fixture_models f USING (name),
       LATERAL fairglmm_coefficients(f.m) c0 JOIN LATERAL fairglmm_coefficients(a.m) c1 USING (term)
  UNION ALL
  SELECT a.name, abs((fairglmm_info(a.m)->>'multiplier')::float8 - (fairglmm_info(f.m)->>'multiplier')::float8)
                 / greatest(1, abs((fairglmm_info(f.m)->>'multiplier')::float8))
  FROM again a JOIN fixture_models f USING (name) WHERE a.name = 'fair_crlr_c'
  UNION ALL
  SELECT a.name, abs(r1.effect - r0.effect) / greatest(1, abs(r0.effect))
  FROM again a JOIN fixture_models f USING (name),
       LATERAL fairglmm_random_effects(f.m) r0 JOIN LATERAL fairglmm_random_effects(a.m) r1 USING (stratum))
SELECT name || ' ' || max(d) || ' ' || (max(d) <= 1e-12)
FROM diffs GROUP BY name ORDER BY name"
psql_db $old -c "SET max_parallel_workers_per_gather = 0" -c "$refit" > /tmp/fairglmm_refit || fail=1
while read -r name d ok; do
    echo "upgrade: $name refitted by this build: largest relative difference from 1.0's $d"
    [ "$ok" = true ] || fail=1
done < /tmp/fairglmm_refit
[ "$(wc -l < /tmp/fairglmm_refit)" = 6 ] || { echo "upgrade: refits missing"; fail=1; }

psql_db $new -c "CREATE EXTENSION fairglmm" >/dev/null || fail=1
catalog="
SELECT p.prokind::text || ' ' || p.oid::regprocedure::text || ' -> ' || pg_get_function_result(p.oid)
       || ' ' || p.provolatile::text || p.proparallel::text || p.proisstrict::text
       || coalesce(' agg:' || a.aggtransfn::text || '/' || a.aggfinalfn::text || '/'
                   || a.aggcombinefn::text || '/' || a.aggserialfn::text || '/'
                   || a.aggdeserialfn::text || '/' || a.aggmtransfn::text || '/'
                   || a.aggminvtransfn::text, '')
       || ' : ' || coalesce(obj_description(p.oid, 'pg_proc'), '(no comment)')
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
     JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'fairglmm'
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
ORDER BY 1"
psql_db $old -c "$catalog" > /tmp/fairglmm_catalog_old || fail=1
psql_db $new -c "$catalog" > /tmp/fairglmm_catalog_new || fail=1
diff /tmp/fairglmm_catalog_old /tmp/fairglmm_catalog_new > /tmp/fairglmm_upgrade.diff
functions=$(wc -l < /tmp/fairglmm_catalog_new)
if [ "$functions" -lt 40 ]; then
    echo "upgrade: only $functions functions in the catalog listing"; fail=1
elif [ -s /tmp/fairglmm_upgrade.diff ]; then
    echo "upgrade: the updated and the fresh install differ:"; head -40 /tmp/fairglmm_upgrade.diff; fail=1
else
    echo "upgrade: updated and fresh install agree on $functions functions"
fi
uncommented=$(grep -c '(no comment)' /tmp/fairglmm_catalog_new)
echo "upgrade: functions without a comment: $uncommented"
[ "$uncommented" = 0 ] || fail=1

for db in $old $new; do psql -X -q -d postgres -c "DROP DATABASE $db"; done
[ $fail = 0 ] && echo "upgrade: ok" || echo "upgrade: FAILED"
exit $fail
