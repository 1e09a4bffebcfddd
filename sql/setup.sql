-- Shared test data: 3000 rows in 30 strata, 3 features, a binary sensitive
-- attribute that shifts x1 and the label, and stratum intercepts 1.5 sin(g).
-- Deterministic: one backend, setseed, random() evaluated row by row.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.17);
CREATE TABLE d AS
SELECT i AS id, g, s,
       ARRAY[z1 + 0.8 * s, z2, z3] AS x,
       uy < 1 / (1 + exp(-(-0.3 + 0.9 * (z1 + 0.8 * s) - 0.6 * z2 + 0.4 * z3 + 1.1 * s + 1.5 * sin(g)))) AS y
FROM (SELECT i, (i % 30) + 1 AS g,
             (random() < 0.4)::int AS s,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z3,
             random() AS uy
      FROM generate_series(1, 3000) AS i) AS q;
SELECT count(*), count(DISTINCT g), sum(s) BETWEEN 1000 AND 1400 AS s_share_ok,
       avg(y::int) BETWEEN 0.3 AND 0.7 AS y_share_ok
FROM d;

-- The linear predictor of a model recomputed from its exported coefficients
-- and random effects: independent of fairglmm_predict.
CREATE FUNCTION eta_from_export(m bytea, x float8[], g integer) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT (SELECT estimate FROM fairglmm_coefficients(m) WHERE term = 'intercept')
       + coalesce((SELECT sum(c.estimate * x[c.j])
                   FROM (SELECT estimate, row_number() OVER () - 1 AS j
                         FROM fairglmm_coefficients(m)) AS c
                   WHERE c.j >= 1), 0)
       + coalesce((SELECT effect FROM fairglmm_random_effects(m) WHERE stratum = g::text), 0)
$$;

-- Largest absolute gradient component, divided by N, of
--   -loglik + lambda ||b||^2 + l2 ||beta||^2 + (rho/N)(a'delta)^2 + lin a'delta
-- at model m on table d, from plain SQL sums.  First-order optimality means 0.
CREATE FUNCTION kkt_residual(m bytea, rho float8, lambda float8, lin float8 DEFAULT 0,
                             l2 float8 DEFAULT 0)
RETURNS float8 LANGUAGE sql STABLE AS $$
WITH coef AS (
  SELECT row_number() OVER () - 1 AS j, estimate FROM fairglmm_coefficients(m)),
re AS (
  SELECT stratum::int AS g, effect FROM fairglmm_random_effects(m)),
rows AS (
  SELECT d.id, d.g, d.s, d.y::int AS y, d.x,
         (SELECT estimate FROM coef WHERE j = 0)
         + (SELECT sum(c.estimate * d.x[c.j]) FROM coef c WHERE c.j >= 1)
         + coalesce(re.effect, 0) AS eta
  FROM d LEFT JOIN re USING (g)),
tot AS (
  SELECT count(*)::float8 AS n, avg(s) AS s_bar FROM rows),
cov AS (
  SELECT sum((s - s_bar) * eta) AS cov_n FROM rows, tot),
r AS (
  SELECT rows.*, 1 / (1 + exp(-eta)) - y AS resid, s - s_bar AS ds,
         2 * rho / n * cov_n + lin AS k
  FROM rows, tot, cov),
fixed AS (   -- intercept (j = 0) and features
  SELECT j, sum(resid * xj) + max(k) * sum(ds * xj)
            + CASE WHEN j > 0 THEN 2 * l2 * (SELECT estimate FROM coef WHERE coef.j = f.j) ELSE 0 END AS grad
  FROM r, LATERAL (SELECT 0 AS j, 1.0::float8 AS xj
                   UNION ALL SELECT j, x[j] FROM generate_series(1, array_length(r.x, 1)) AS j) AS f
  GROUP BY j),
strata AS (  -- random intercepts
  SELECT r.g, sum(resid) + 2 * lambda * max(re.effect) + max(k) * sum(ds) AS grad
  FROM r JOIN re USING (g) GROUP BY r.g)
SELECT greatest((SELECT max(abs(grad)) FROM fixed),
                coalesce((SELECT max(abs(grad)) FROM strata), 0)) / (SELECT n FROM tot)
$$;
