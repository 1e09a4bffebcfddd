-- Coverage of fairglmm's 95 % Wald intervals in simulations with known
-- coefficients: per replicate a fresh data set, fitted by lr (rows
-- independent) and by crlr (40 strata with random intercepts, many rows per
-- stratum; with lambda = 1, and with lambda = 1/(2 Q) = 2 matching the true
-- random-intercept variance Q = 0.25), and for the fair methods at a moderate
-- rho; for each
-- coefficient, whether the interval contains the truth.  The fair methods
-- estimate a shrunk, fairer target, not the data-generating coefficients,
-- so their coverage of the truth is reported, not expected to be 95 %.
--
--   psql -v replicates=500 -f test/inference/coverage.sql
\set ON_ERROR_STOP on
\if :{?replicates}
\else
\set replicates 500
\endif
SET client_min_messages = warning;
DROP TABLE IF EXISTS cov_rows, cov_fits;
RESET client_min_messages;
SET max_parallel_workers_per_gather = 0;

-- a uniform in (0, 1) from (replicate, row, k), the same on every machine
CREATE OR REPLACE FUNCTION pg_temp.u(r integer, i integer, k integer) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT (('x' || left(md5(r || ':' || i || ':' || k), 8))::bit(32)::bigint + 0.5) / 4294967296.0::float8
$$;
CREATE OR REPLACE FUNCTION pg_temp.n(r integer, i integer, k integer) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT sqrt(-2 * ln(pg_temp.u(r, i, k))) * cos(2 * pi() * pg_temp.u(r, i, k + 1))
$$;

-- truth: intercept -0.5, slopes 0.8, -0.6, 0.3; stratum effects N(0, 0.5^2); 2,000 rows
CREATE TEMP TABLE cov_rows AS
WITH strata AS (
    SELECT r, g, 0.5 * pg_temp.n(r, 100000 + g, 1) AS b
    FROM generate_series(1, :replicates) AS r, generate_series(0, 39) AS g)
SELECT r, i, g, s, x,
       pg_temp.u(r, i, 9) < 1 / (1 + exp(-(-0.5 + 0.8 * x[1] - 0.6 * x[2] + 0.3 * x[3]))) AS y_lr,
       pg_temp.u(r, i, 10) < 1 / (1 + exp(-(-0.5 + 0.8 * x[1] - 0.6 * x[2] + 0.3 * x[3] + b))) AS y_crlr
FROM (SELECT r, i, i % 40 AS g, (pg_temp.u(r, i, 3) < 0.4) AS s,
             ARRAY[pg_temp.n(r, i, 4) + 0.5 * (pg_temp.u(r, i, 3) < 0.4)::int, pg_temp.n(r, i, 6),
                   pg_temp.n(r, i, 7)] AS x
      FROM generate_series(1, :replicates) AS r, generate_series(1, 2000) AS i) AS q
JOIN strata USING (r, g);

CREATE TEMP TABLE cov_fits AS
SELECT r, 'lr' AS method, fairglmm_fit(y_lr, x, g, s, 0, 1, '{"method": "lr"}') AS m FROM cov_rows GROUP BY r
UNION ALL
SELECT r, 'crlr', fairglmm_fit(y_crlr, x, g, s, 0, 1, '{"method": "crlr"}') FROM cov_rows GROUP BY r
UNION ALL
SELECT r, 'crlr, lambda 2 = 1/(2 Q)', fairglmm_fit(y_crlr, x, g, s, 0, 2, '{"method": "crlr"}') FROM cov_rows GROUP BY r
UNION ALL
SELECT r, 'fair_lr (rho 1)', fairglmm_fit(y_lr, x, g, s, 1, 1, '{"method": "fair_lr"}') FROM cov_rows GROUP BY r
UNION ALL
SELECT r, 'fair_crlr (rho 1)', fairglmm_fit(y_crlr, x, g, s, 1, 1, '{"method": "fair_crlr"}') FROM cov_rows GROUP BY r;

\echo Coverage of the 95 % intervals (share of replicates whose interval contains the true coefficient)
SELECT f.method, c.term, count(*) AS replicates,
       round(avg((truth BETWEEN c.conf_low AND c.conf_high)::int)::numeric, 3) AS coverage,
       round(avg(c.estimate - truth)::numeric, 4) AS mean_bias,
       round(avg(c.std_error)::numeric, 4) AS mean_se,
       round(stddev(c.estimate)::numeric, 4) AS sd_of_estimates
FROM cov_fits AS f, fairglmm_coefficients(f.m) AS c,
     (VALUES ('intercept', -0.5), ('x1', 0.8), ('x2', -0.6), ('x3', 0.3)) AS t(term, truth)
WHERE t.term = c.term
GROUP BY f.method, c.term ORDER BY 1 DESC, 2;
