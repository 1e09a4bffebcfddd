-- Equal opportunity and equalized odds as rho grows, on a simulated
-- stratified data set (with a known unfair mechanism) and on survey::nhanes
-- (race, 4 categories; 10 random 70/30 splits).  For each notion, fair_crlr
-- is fitted on training rows
-- at rho in 0, 0.1, 1, 10, 100, 1000 and scored on held-out rows:
-- the true-positive-rate ratio (equal_opportunity_ratio), the equalized-odds
-- ratio (the smaller of the TPR and FPR ratios), disparate impact and
-- accuracy (nhanes classified at 0.1, about its share of positives).
-- Run after load.sql:
--
--   psql -f test/realdata/load.sql -f test/realdata/notions.sql
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP TABLE IF EXISTS notion_sim, notion_rows, notion_fits;
RESET client_min_messages;

-- a uniform in [0, 1) from (i, k), the same on every machine
CREATE OR REPLACE FUNCTION pg_temp.u(i integer, k integer) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || left(md5(i || ':' || k), 8))::bit(32)::bigint / 4294967296.0::float8 + 1e-12
$$;

-- 10,000 rows in 40 strata; s shifts x1 and, beyond x, the label itself
CREATE TEMP TABLE notion_sim AS
WITH base AS (
    SELECT i, (pg_temp.u(i, 1) < 0.4) AS s, floor(pg_temp.u(i, 2) * 40)::int AS g,
           sqrt(-2 * ln(pg_temp.u(i, 3))) * cos(2 * pi() * pg_temp.u(i, 4)) AS z1,
           sqrt(-2 * ln(pg_temp.u(i, 5))) * cos(2 * pi() * pg_temp.u(i, 6)) AS z2
    FROM generate_series(1, 10000) AS i),
strata AS (
    SELECT g, sqrt(-2 * ln(pg_temp.u(100000 + g, 7))) * cos(2 * pi() * pg_temp.u(100000 + g, 8)) AS b
    FROM generate_series(0, 39) AS g)
SELECT i AS id, ARRAY[z1 + 0.8 * s::int, z2]::float8[] AS x, g AS stratum, s,
       pg_temp.u(i, 9) < 1 / (1 + exp(-(-0.4 + 1.0 * (z1 + 0.8 * s::int) - 0.7 * z2 + 0.9 * s::int + strata.b))) AS y
FROM base JOIN strata USING (g);

-- the simulation split once (even ids train), nhanes in 10 random 70/30 splits
CREATE TEMP TABLE notion_rows AS
SELECT 'simulated' AS dataset, 1 AS split, id, y, x, stratum, s::int AS sensitive, id % 2 = 0 AS train
FROM notion_sim
UNION ALL
SELECT 'nhanes', r, m.id, m.y, m.x, m.stratum, n.race, realdata.draw('nhanes', m.id, r) < 0.7
FROM realdata.nhanes_model AS m JOIN realdata.nhanes AS n USING (id), generate_series(1, 10) AS r
WHERE m.y IS NOT NULL;

CREATE TEMP TABLE notion_fits AS
SELECT dataset, split, notion, rho,
       fairglmm_fit(y, x, stratum, sensitive, rho, 1,
                    jsonb_build_object('method', 'fair_crlr', 'fairness', notion,
                                       'threshold', CASE dataset WHEN 'nhanes' THEN 0.1 ELSE 0.5 END)) AS m
FROM notion_rows,
     unnest(ARRAY['equal_opportunity', 'equalized_odds']) AS notion,
     unnest(ARRAY[0, 0.1, 1, 10, 100, 1000]::float8[]) AS rho
WHERE train
GROUP BY dataset, split, notion, rho;

\echo Fairness and accuracy of fair_crlr as rho grows, on the training rows and held out (means over splits)
WITH per_split AS (
    SELECT f.dataset, f.split, f.notion, f.rho,
           equal_opportunity_ratio(fairglmm_classify(f.m, r.x, r.stratum), r.y, r.sensitive) FILTER (WHERE r.train) AS train_tpr,
           equalized_odds_ratio(fairglmm_classify(f.m, r.x, r.stratum), r.y, r.sensitive) FILTER (WHERE r.train) AS train_eodds,
           equal_opportunity_ratio(fairglmm_classify(f.m, r.x, r.stratum), r.y, r.sensitive) FILTER (WHERE NOT r.train) AS test_tpr,
           equalized_odds_ratio(fairglmm_classify(f.m, r.x, r.stratum), r.y, r.sensitive) FILTER (WHERE NOT r.train) AS test_eodds,
           disparate_impact(fairglmm_classify(f.m, r.x, r.stratum), r.sensitive) FILTER (WHERE NOT r.train) AS test_di,
           avg((fairglmm_classify(f.m, r.x, r.stratum) = r.y)::int) FILTER (WHERE NOT r.train) AS test_acc
    FROM notion_fits AS f JOIN notion_rows AS r ON r.dataset = f.dataset AND r.split = f.split
    GROUP BY f.dataset, f.split, f.notion, f.rho)
SELECT dataset, notion, rho, count(*) AS splits,
       round(avg(train_tpr)::numeric, 3) AS train_tpr_ratio, round(avg(train_eodds)::numeric, 3) AS train_eodds_ratio,
       round(avg(test_tpr)::numeric, 3) AS test_tpr_ratio, round(avg(test_eodds)::numeric, 3) AS test_eodds_ratio,
       round(avg(test_di)::numeric, 3) AS test_di, round(avg(test_acc)::numeric, 3) AS test_accuracy
FROM per_split GROUP BY dataset, notion, rho ORDER BY 1 DESC, 2, 3;
