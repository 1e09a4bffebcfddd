#!/usr/bin/env bash
# Write test/upgrade/fixtures_1.0.sql: models made by a fairglmm 1.0 build and
# the predictions that build gave for them.  Run it with the 1.0 build
# installed (1.0 is commit b996af6: git worktree add /tmp/fg10 b996af6 &&
# make -C /tmp/fg10 install)
# on a running cluster (tools/pg_cluster.sh).  test/upgrade/run.sh then checks
# that the current build scores those bytes exactly as 1.0 did.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=test/upgrade/fixtures_1.0.sql
db=fairglmm_fixtures
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f test/upgrade/data.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' >/dev/null
CREATE EXTENSION fairglmm VERSION '1.0';
SET max_parallel_workers_per_gather = 0;
CREATE TABLE fixture_models AS
SELECT name, m FROM (
  SELECT 'lr' AS name, fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr"}') AS m FROM upgrade_rows
  UNION ALL SELECT 'fair_lr', fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_lr", "feature_names": ["a", "b", "c"]}') FROM upgrade_rows
  UNION ALL SELECT 'crlr', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM upgrade_rows
  UNION ALL SELECT 'fair_crlr_c', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0.01, "threshold": 0.4}') FROM upgrade_rows
  UNION ALL SELECT 'glmm', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm", "nu": 0.5}') FROM upgrade_rows
  UNION ALL SELECT 'fair_glmm_text', fairglmm_fit(y, x, 'g' || g, s, 0.8, 1) FROM upgrade_rows) AS q;
SQL
{
  echo "-- Models made by fairglmm 1.0 (model format version 1) and 1.0's predictions for"
  echo "-- them on upgrade_rows (test/upgrade/data.sql).  Written by make_fixtures.sh."
  echo "CREATE TABLE fixture_models (name text PRIMARY KEY, m bytea);"
  echo "CREATE TABLE fixture_predictions (name text, id int, p float8, p_population float8, yhat boolean);"
  psql -X -q -At -d "$db" -c "SELECT format('INSERT INTO fixture_models VALUES (%L, %L);', name, m) FROM fixture_models ORDER BY name"
  psql -X -q -At -d "$db" -c "
    SELECT format('INSERT INTO fixture_predictions VALUES (%L, %s, %s, %s, %L);', f.name, r.id,
                  CASE WHEN f.name = 'fair_glmm_text' THEN fairglmm_predict(f.m, r.x, 'g' || r.g)
                       ELSE fairglmm_predict(f.m, r.x, r.g) END,
                  fairglmm_predict(f.m, r.x),
                  CASE WHEN f.name = 'fair_glmm_text' THEN fairglmm_classify(f.m, r.x, 'g' || r.g)
                       ELSE fairglmm_classify(f.m, r.x, r.g) END)
    FROM fixture_models f, upgrade_rows r WHERE r.id % 37 = 0 ORDER BY f.name, r.id"
} > "$out"
psql -X -q -d postgres -c "DROP DATABASE $db"
echo "wrote $out"
