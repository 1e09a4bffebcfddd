-- Scoring: predictions equal sigmoid(intercept + x'beta + b) recomputed from
-- the exported coefficients and random effects (eta_from_export, setup.sql).
CREATE TABLE pm AS
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m,
       fairglmm_fit(y, x, g::text, s, 0.8, 1, '{"method": "fair_crlr"}') AS mt,
       fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') AS ml
FROM d;

SELECT max(abs(fairglmm_predict(m, x, g) - 1 / (1 + exp(-eta_from_export(m, x, g))))) < 1e-12 AS matches_export,
       max(abs(fairglmm_predict(ml, x, g) - 1 / (1 + exp(-eta_from_export(ml, x, NULL))))) < 1e-12 AS lr_matches,
       max(abs(fairglmm_predict(m, x, g) - fairglmm_predict(mt, x, g::text))) < 1e-10 AS text_strata_same
FROM pm, d;

-- an unseen stratum or a NULL one gets b = 0, the population prediction
SELECT fairglmm_predict(m, x, 999) = fairglmm_predict(m, x) AS unseen_is_population,
       fairglmm_predict(m, x, NULL::int) = fairglmm_predict(m, x) AS null_is_population,
       fairglmm_predict(mt, x, 'nowhere') = fairglmm_predict(mt, x) AS unseen_text,
       fairglmm_predict(m, x, 999::bigint) = fairglmm_predict(m, x) AS bigint_arg
FROM pm, d WHERE d.id = 7;

-- the population prediction uses b = 0 exactly
SELECT abs(fairglmm_predict(m, x) - 1 / (1 + exp(-eta_from_export(m, x, NULL)))) < 1e-14 AS population_ok
FROM pm, d WHERE d.id = 7;

-- classify uses the trained threshold (0.5) or the one given
SELECT bool_and(fairglmm_classify(m, x, g) = (fairglmm_predict(m, x, g) >= 0.5)) AS default_threshold,
       bool_and(fairglmm_classify(m, x, g, 0.3) = (fairglmm_predict(m, x, g) >= 0.3)) AS given_threshold,
       count(*) FILTER (WHERE fairglmm_classify(m, x, g, 0.0)) = count(*) AS zero_threshold_all_true
FROM pm, d;
SELECT fairglmm_classify(m, x, g, 1.5) FROM pm, d WHERE d.id = 1;
SELECT fairglmm_classify(m, x, g, NULL) IS NULL AS null_threshold FROM pm, d WHERE d.id = 1;
SELECT fairglmm_classify(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": 0.7}'),
                         '{0,0,0}', 1) = (fairglmm_predict(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": 0.7}'),
                         '{0,0,0}', 1) >= 0.7) AS stored_threshold FROM d;

-- NULL inputs give NULL
SELECT fairglmm_predict(NULL, '{1,2,3}', 1) IS NULL AS null_model,
       fairglmm_predict(m, NULL, 1) IS NULL AS null_x,
       fairglmm_predict(m, '{1,NULL,3}', 1) IS NULL AS null_element,
       fairglmm_predict(m, NULL) IS NULL AS null_x_population
FROM pm;

-- bad features are errors, not silent garbage
SELECT fairglmm_predict(m, '{1,2}', 1) FROM pm;
SELECT fairglmm_predict(m, '{1,2,3,4}') FROM pm;
SELECT fairglmm_predict(m, '{{1,2,3}}', 1) FROM pm;
SELECT fairglmm_predict(m, '{1,NaN,3}', 1) FROM pm;
SELECT fairglmm_predict(m, '{1,Infinity,3}', 1) FROM pm;
-- strata of another type than in training
SELECT fairglmm_predict(m, '{1,2,3}', 'a') FROM pm;
SELECT fairglmm_predict(mt, '{1,2,3}', 1) FROM pm;
-- an lr model ignores strata of any type
SELECT fairglmm_predict(ml, '{1,2,3}', 'a') = fairglmm_predict(ml, '{1,2,3}') AS lr_ignores_strata FROM pm;

-- scoring inside an ETL-style query: one decode per query, any join order
SELECT count(*), avg(p) BETWEEN 0.3 AND 0.7 AS plausible
FROM (SELECT fairglmm_predict((SELECT m FROM pm), x, g) AS p FROM d) AS q;

-- an array held in a PL/pgSQL variable arrives as an expanded object, whose
-- one-byte header must not be taken for a short inline array
DO $$
DECLARE
  feats float8[] := '{0.5,-1,2}';
BEGIN
  RAISE NOTICE 'expanded array scores like a literal: %',
    fairglmm_predict((SELECT m FROM pm), feats, 1) = fairglmm_predict((SELECT m FROM pm), '{0.5,-1,2}'::float8[], 1)
    AND fairglmm_classify((SELECT m FROM pm), feats, 1) = fairglmm_classify((SELECT m FROM pm), '{0.5,-1,2}'::float8[], 1);
END $$;
