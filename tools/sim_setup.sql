-- Simulation study (tools/simulate.sh): tables and helper functions, created
-- once per throwaway cluster.  Needs the fairglmm extension.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET check_function_bodies = off;   -- the functions read table survey, made later

-- What is fitted in every replicate.  rho_kind: none (rho = 0), paper
-- (rho = 0.8, the paper's equation (10) with its 1/N), authors (rho = 0.8 N,
-- N = training rows: the authors' code leaves out the 1/N) or value (rho as
-- given, for the extra rho grid of simulate.sh --extra-rho).  The order and
-- families follow the paper's tables: GLMM, Fair GLMM, CRLR, Fair CRLR, LR,
-- Fair LR.
CREATE TABLE sim_runs (
    ord int PRIMARY KEY,
    family text NOT NULL,
    label text NOT NULL,
    method text NOT NULL,
    rho_kind text NOT NULL CHECK (rho_kind IN ('none', 'paper', 'authors', 'value')),
    lambda float8 NOT NULL,
    options jsonb NOT NULL,
    rho float8
);
INSERT INTO sim_runs VALUES
  ( 1, 'GLMM',      'GLMM',                            'glmm',      'none',    1, '{}'),
  ( 3, 'Fair GLMM', 'Fair GLMM, rho = 0.8',            'fair_glmm', 'paper',   1, '{}'),
  ( 4, 'Fair GLMM', 'Fair GLMM, rho = 0.8 N (authors)', 'fair_glmm', 'authors', 1, '{}'),
  ( 6, 'CRLR',      'CRLR',                            'crlr',      'none',    1, '{}'),
  ( 8, 'Fair CRLR', 'Fair CRLR, rho = 0.8',            'fair_crlr', 'paper',   1, '{}'),
  ( 9, 'Fair CRLR', 'Fair CRLR, rho = 0.8 N (authors)', 'fair_crlr', 'authors', 1, '{}'),
  (10, 'Fair CRLR', 'Fair CRLR, abs(cov) <= 0.1',      'fair_crlr', 'none',    1, '{"c": 0.1}'),
  (12, 'LR',        'LR',                              'lr',        'none',    0, '{}'),
  (14, 'Fair LR',   'Fair LR, rho = 0.8',              'fair_lr',   'paper',   0, '{}'),
  (15, 'Fair LR',   'Fair LR, rho = 0.8 N (authors)',  'fair_lr',   'authors', 0, '{}'),
  (16, 'Fair LR',   'Fair LR, abs(cov) <= 0.1',        'fair_lr',   'none',    0, '{"c": 0.1}');

-- One row per replicate and method (ord 100, 101: the references on the
-- true mu).  accuracy and di are on the test rows (not train), threshold 0.5.
CREATE TABLE sim_results (
    scenario int NOT NULL,
    labels text NOT NULL,
    replicate int NOT NULL,
    seed int NOT NULL,
    train_seed int,
    ord int NOT NULL,
    label text NOT NULL,
    accuracy float8,
    di float8,
    expected_accuracy float8,      -- references only: mean of P(correct) under mu
    train_rows int,
    fit_ms float8,
    converged boolean,
    q float8,                      -- random-intercept variance (glmm, fair_glmm)
    steps int,
    stop_reason text,
    selected jsonb,
    error text,
    PRIMARY KEY (scenario, labels, replicate, ord)
);

-- The paper's Tables 1-8 (scenario 1: Tables 1-2, ... 4: Tables 7-8):
-- mean, p25, median, p75, p95, std of accuracy and of DI over its 100 samples.
CREATE TABLE sim_paper (
    scenario int, family text, metric text,
    mean float8, p25 float8, median float8, p75 float8, p95 float8, std float8,
    PRIMARY KEY (scenario, family, metric)
);
INSERT INTO sim_paper VALUES
  (1, 'GLMM',      'accuracy', 0.89, 0.88, 0.89, 0.90, 0.91, 0.01),
  (1, 'Fair GLMM', 'accuracy', 0.82, 0.82, 0.82, 0.83, 0.83, 0.01),
  (1, 'CRLR',      'accuracy', 0.79, 0.78, 0.79, 0.80, 0.81, 0.02),
  (1, 'Fair CRLR', 'accuracy', 0.82, 0.81, 0.82, 0.83, 0.86, 0.02),
  (1, 'LR',        'accuracy', 0.68, 0.68, 0.68, 0.68, 0.68, 0.01),
  (1, 'Fair LR',   'accuracy', 0.64, 0.63, 0.64, 0.64, 0.66, 0.01),
  (1, 'GLMM',      'di',       0.48, 0.45, 0.48, 0.51, 0.56, 0.05),
  (1, 'Fair GLMM', 'di',       0.91, 0.90, 0.91, 0.92, 0.94, 0.02),
  (1, 'CRLR',      'di',       0.18, 0.14, 0.18, 0.22, 0.27, 0.06),
  (1, 'Fair CRLR', 'di',       0.66, 0.63, 0.66, 0.70, 0.75, 0.05),
  (1, 'LR',        'di',       0.10, 0.04, 0.09, 0.14, 0.21, 0.07),
  (1, 'Fair LR',   'di',       0.52, 0.48, 0.53, 0.59, 0.65, 0.11),
  (2, 'GLMM',      'accuracy', 0.87, 0.86, 0.89, 0.90, 0.90, 0.06),
  (2, 'Fair GLMM', 'accuracy', 0.87, 0.87, 0.88, 0.88, 0.89, 0.02),
  (2, 'CRLR',      'accuracy', 0.81, 0.80, 0.81, 0.82, 0.83, 0.02),
  (2, 'Fair CRLR', 'accuracy', 0.81, 0.80, 0.81, 0.82, 0.83, 0.02),
  (2, 'LR',        'accuracy', 0.66, 0.66, 0.66, 0.66, 0.66, 0.01),
  (2, 'Fair LR',   'accuracy', 0.66, 0.66, 0.66, 0.66, 0.66, 0.01),
  (2, 'GLMM',      'di',       0.96, 0.94, 0.97, 0.99, 0.99, 0.03),
  (2, 'Fair GLMM', 'di',       0.98, 0.97, 0.98, 0.99, 0.99, 0.02),
  (2, 'CRLR',      'di',       0.91, 0.86, 0.92, 0.96, 0.98, 0.07),
  (2, 'Fair CRLR', 'di',       0.92, 0.88, 0.93, 0.96, 0.98, 0.05),
  (2, 'LR',        'di',       0.88, 0.82, 0.90, 0.95, 0.99, 0.09),
  (2, 'Fair LR',   'di',       0.89, 0.84, 0.91, 0.95, 0.99, 0.07),
  (3, 'GLMM',      'accuracy', 0.70, 0.70, 0.71, 0.72, 0.73, 0.03),
  (3, 'Fair GLMM', 'accuracy', 0.61, 0.61, 0.62, 0.62, 0.63, 0.01),
  (3, 'CRLR',      'accuracy', 0.79, 0.78, 0.79, 0.79, 0.79, 0.01),
  (3, 'Fair CRLR', 'accuracy', 0.68, 0.67, 0.68, 0.69, 0.70, 0.01),
  (3, 'LR',        'accuracy', 0.79, 0.79, 0.79, 0.79, 0.79, 0.01),
  (3, 'Fair LR',   'accuracy', 0.69, 0.68, 0.69, 0.70, 0.71, 0.01),
  (3, 'GLMM',      'di',       0.17, 0.12, 0.15, 0.17, 0.25, 0.15),
  (3, 'Fair GLMM', 'di',       0.73, 0.70, 0.74, 0.78, 0.82, 0.07),
  (3, 'CRLR',      'di',       0.04, 0.02, 0.04, 0.05, 0.08, 0.02),
  (3, 'Fair CRLR', 'di',       0.56, 0.51, 0.57, 0.62, 0.67, 0.08),
  (3, 'LR',        'di',       0.04, 0.02, 0.03, 0.05, 0.07, 0.02),
  (3, 'Fair LR',   'di',       0.52, 0.47, 0.53, 0.59, 0.64, 0.09),
  (4, 'GLMM',      'accuracy', 0.63, 0.61, 0.63, 0.67, 0.68, 0.04),
  (4, 'Fair GLMM', 'accuracy', 0.67, 0.67, 0.68, 0.68, 0.69, 0.02),
  (4, 'CRLR',      'accuracy', 0.75, 0.75, 0.75, 0.75, 0.75, 0.01),
  (4, 'Fair CRLR', 'accuracy', 0.75, 0.75, 0.75, 0.75, 0.75, 0.01),
  (4, 'LR',        'accuracy', 0.75, 0.75, 0.75, 0.75, 0.76, 0.01),
  (4, 'Fair LR',   'accuracy', 0.75, 0.75, 0.75, 0.75, 0.76, 0.01),
  (4, 'GLMM',      'di',       0.88, 0.82, 0.89, 0.95, 0.99, 0.09),
  (4, 'Fair GLMM', 'di',       0.94, 0.91, 0.94, 0.97, 0.99, 0.04),
  (4, 'CRLR',      'di',       0.90, 0.85, 0.90, 0.95, 0.99, 0.07),
  (4, 'Fair CRLR', 'di',       0.91, 0.86, 0.91, 0.95, 0.99, 0.06),
  (4, 'LR',        'di',       0.89, 0.85, 0.90, 0.94, 0.99, 0.06),
  (4, 'Fair LR',   'di',       0.91, 0.86, 0.91, 0.95, 0.99, 0.06);

-- Fit one configuration on the training rows of table survey.  An error
-- (separation, a degenerate boosting start, ...) is recorded, not fatal.
CREATE FUNCTION sim_fit(p_method text, p_rho float8, p_lambda float8, p_options jsonb,
                        OUT model bytea, OUT ms float8, OUT err text)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    SELECT fairglmm_fit(s.y, s.x, s.stratum, s.sex, p_rho, p_lambda,
                        p_options || jsonb_build_object('method', p_method))
      INTO model
      FROM survey AS s WHERE s.train;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
EXCEPTION WHEN others THEN
    model := NULL;
    err := SQLERRM;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;

-- The best classifier that knows the true mu, subject to DI >= di_min, on the
-- test rows of table survey.  For fixed numbers of positive predictions k0,
-- k1 in the two groups, the expected accuracy is largest when each group's
-- positives are its rows of highest mu, so only group-specific thresholds on
-- mu need searching.  The expected gain of the k-th positive of a group,
-- 2 mu - 1, falls with k, so for each k1 the best k0 is the unconstrained one
-- (rows with mu >= 0.5) clamped into the range that keeps DI >= di_min.
-- Maximises the expected accuracy (mean over rows of P(correct | mu)) and
-- reports it together with the accuracy against the drawn labels.
CREATE FUNCTION sim_oracle(di_min float8,
                           OUT accuracy float8, OUT expected_accuracy float8, OUT di float8)
LANGUAGE sql STABLE AS $$
WITH t AS (
    SELECT sex, mu, y::int AS y FROM survey WHERE NOT train
),
tot AS (
    SELECT count(*)::float8 AS n,
           count(*) FILTER (WHERE sex = 0) AS n0,
           count(*) FILTER (WHERE sex = 1) AS n1,
           sum(1 - y)::float8 AS base_r,
           sum(1 - mu) AS base_e,
           count(*) FILTER (WHERE sex = 0 AND mu >= 0.5) AS kstar0
    FROM t
),
g AS (
    SELECT sex, row_number() OVER w AS k, sum(2 * mu - 1) OVER w AS ge,
           sum(2 * y - 1) OVER w AS gr
    FROM t
    WINDOW w AS (PARTITION BY sex ORDER BY mu DESC ROWS UNBOUNDED PRECEDING)
    UNION ALL SELECT 0, 0, 0, 0
    UNION ALL SELECT 1, 0, 0, 0
),
cand AS (
    SELECT g.k AS k1, g.ge AS ge1, g.gr AS gr1,
           greatest(0, ceil(di_min * g.k * tot.n0 / tot.n1 - 1e-9))::bigint AS lo,
           least(tot.n0, floor(g.k * tot.n0 / (di_min * tot.n1) + 1e-9))::bigint AS hi,
           tot.kstar0
    FROM g, tot
    WHERE g.sex = 1
),
best AS (
    SELECT c.k1, g0.k AS k0, c.ge1 + g0.ge AS ge, c.gr1 + g0.gr AS gr
    FROM cand AS c
    JOIN g AS g0 ON g0.sex = 0 AND g0.k = least(greatest(c.kstar0, c.lo), c.hi)
    WHERE c.lo <= c.hi
    ORDER BY c.ge1 + g0.ge DESC
    LIMIT 1
)
SELECT (tot.base_r + b.gr) / tot.n,
       (tot.base_e + b.ge) / tot.n,
       CASE WHEN b.k0 = 0 AND b.k1 = 0 THEN 1.0
            WHEN b.k0 = 0 OR b.k1 = 0 THEN 0.0
            ELSE least((b.k1::float8 / tot.n1) / (b.k0::float8 / tot.n0),
                       (b.k0::float8 / tot.n0) / (b.k1::float8 / tot.n1))
       END
FROM best AS b, tot
$$;
