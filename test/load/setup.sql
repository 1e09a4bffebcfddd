-- Load test data: 100 groups of 200 rows (10 strata each), a model to score
-- with, and a table the store script writes fitted models into.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION fairglmm;
SELECT setseed(0.23) \gset
CREATE TABLE lt AS
SELECT i AS id, i % 100 AS grp, (i / 100) % 10 AS g, s, x,
       random() < 1 / (1 + exp(-(0.3 + 0.8 * x[1] - 0.5 * x[2] + 0.4 * x[3] + 0.7 * s))) AS y
FROM (SELECT i, (random() < 0.4)::int AS s,
             ARRAY[random() * 4 - 2, random() * 4 - 2, random() * 4 - 2] AS x
      FROM generate_series(0, 19999) AS i) AS q;
CREATE INDEX ON lt (grp);
ANALYZE lt;
CREATE TABLE lt_model AS
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM lt;
CREATE TABLE lt_store (id bigserial PRIMARY KEY, grp int, m bytea);

-- Every group fits with every method, so the random choices of pgbench
-- cannot meet a group that legitimately fails: pass/fail is deterministic.
SELECT count(*) AS fits_checked
FROM generate_series(0, 99) AS k,
     unnest(ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm']) AS method,
     LATERAL (SELECT fairglmm_fit(y, x, g, s, 0.8, 1, jsonb_build_object('method', method, 'max_steps', 20)) AS m
              FROM lt WHERE grp = k) AS f
WHERE f.m IS NOT NULL;
