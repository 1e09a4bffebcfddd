-- Quasi-complete separation: every method and rho in {0, 1e-3, 1, 1e3, 1e6} x N
-- returns a model whose predictions are probabilities; the unfair methods name
-- the terms that run off.  Complete separation is refused, with a hint for l2.
-- 600 rows of d, x3 on a raw scale (like a balance), and a 4th column per case.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE sep AS
SELECT c.name AS kase, d.id, d.g, d.s,
       ARRAY[d.x[1], d.x[2], 2e4 * d.x[3] + 3e4,
             CASE c.name WHEN 'dummy_ones' THEN (d.id % 120 = 7)::int
                         WHEN 'dummy_zeros' THEN (d.id % 23 = 4)::int
                         WHEN 'single_row' THEN (d.id = 17)::int
                         ELSE d.x[1] * d.x[2] END] AS x,
       CASE WHEN c.name = 'dummy_ones' AND d.id % 120 = 7 THEN true
            WHEN c.name = 'dummy_zeros' AND d.id % 23 = 4 THEN false
            WHEN c.name = 'stratum_one_class' AND d.g = 5 THEN true
            ELSE d.y END AS y
FROM d, (VALUES ('dummy_ones'), ('dummy_zeros'), ('single_row'), ('stratum_one_class')) AS c(name)
WHERE d.id <= 600;

-- the rows that make each case
SELECT kase, count(*) FILTER (WHERE x[4] = 1) AS dummy_rows,
       count(*) FILTER (WHERE x[4] = 1 AND y) AS dummy_ones,
       count(*) FILTER (WHERE g = 5 AND NOT y) AS stratum5_zeros
FROM sep GROUP BY kase ORDER BY kase;

-- one warning, in full
SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr"}')) -> 'unidentified' AS unidentified
FROM sep WHERE kase = 'dummy_ones';

SET client_min_messages = error;
CREATE TABLE sep_fits AS
SELECT kase, method, factor,
       fairglmm_fit(y, x, g, s, factor * 600, 1,
                    jsonb_build_object('method', method)) AS m
FROM sep,
     unnest(ARRAY['lr', 'crlr', 'glmm', 'fair_lr', 'fair_crlr', 'fair_glmm']) AS method,
     unnest(ARRAY[0, 1e-3, 1, 1e3, 1e6]::float8[]) AS factor
WHERE method LIKE 'fair%' OR factor = 0
GROUP BY kase, method, factor;
RESET client_min_messages;

-- every fit returned; its predictions are probabilities; what ran off
SELECT f.kase, f.method, f.factor,
       (fairglmm_info(m) ->> 'separated_rows')::bigint AS separated,
       fairglmm_info(m) -> 'unidentified' AS unidentified,
       bool_and(p BETWEEN 0 AND 1) AS probabilities
FROM sep_fits AS f JOIN sep USING (kase),
     LATERAL (SELECT fairglmm_predict(f.m, sep.x, sep.g) AS p) AS pr
WHERE f.method IN ('lr', 'crlr') OR f.factor IN (0, 1e6)
GROUP BY f.kase, f.method, f.factor, f.m
ORDER BY 1, 2, 3;

SELECT count(*) AS fits, count(m) AS models,
       bool_and((SELECT bool_and(estimate = estimate AND abs(estimate) < 1e6)
                 FROM fairglmm_coefficients(m))) AS finite_coefficients
FROM sep_fits;

-- the fair methods on a separated dummy: the penalty holds it unless cov
-- ignores the dummy, and never a failure (rho = 0 succeeds, so must every rho)
SELECT kase, method, count(*) AS rhos, count(m) AS models
FROM sep_fits WHERE method LIKE 'fair%' GROUP BY kase, method ORDER BY 1, 2;

-- complete separation: refused, the hint names l2; with l2 a model
SELECT fairglmm_fit(x[1] > 0, x, g, s, 0, 1, '{"method": "lr"}') FROM sep WHERE kase = 'dummy_ones';
SELECT (fairglmm_info(fairglmm_fit(x[1] > 0, x, g, s, 0, 1, '{"method": "lr", "l2": 0.01}'))
        ->> 'separated_rows')::int AS separated_with_l2
FROM sep WHERE kase = 'dummy_ones';

-- l2: first-order optimality of the penalised objective, from plain SQL sums on d
SELECT method, l2,
       kkt_residual(fairglmm_fit(y, x, g, s, 2.0, 1.0,
                                 jsonb_build_object('method', method, 'l2', l2)),
                    CASE WHEN method LIKE 'fair%' THEN 2.0 ELSE 0 END,
                    CASE WHEN method LIKE '%crlr' THEN 1.0 ELSE 0 END, 0, l2) < 1e-9 AS kkt_ok
FROM d, unnest(ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr']) AS method,
     unnest(ARRAY[0.01, 5.0]::float8[]) AS l2
GROUP BY method, l2 ORDER BY 1, 2;
