-- One replicate of the simulation study (driven by tools/simulate.sh):
-- generate the survey, fit every configuration of sim_runs on the training
-- rows, score the test rows in SQL, and append to sim_results.
-- psql variables: scenario, labels, replicate, seed; optional train_seed,
-- authors_u (passed on to tools/make_survey.sql).
\set ON_ERROR_STOP on
\set n_strata 100
\set rows_per_stratum 1000
\set table survey
\i tools/make_survey.sql
\if :{?train_seed} \set fg_train_seed :train_seed \else \set fg_train_seed NULL \endif

SELECT count(*) AS n_train FROM survey WHERE train \gset

SET client_min_messages = warning;
DROP TABLE IF EXISTS sim_models;
CREATE TEMP TABLE sim_models AS
SELECT r.ord, r.label, f.model, f.ms, f.err
FROM sim_runs AS r,
     LATERAL sim_fit(r.method,
                     CASE r.rho_kind WHEN 'paper' THEN 0.8
                                     WHEN 'authors' THEN 0.8 * :n_train
                                     WHEN 'value' THEN r.rho
                                     ELSE 0 END,
                     r.lambda, r.options) AS f;

INSERT INTO sim_results
SELECT :scenario, :'labels', :replicate, :seed, (:fg_train_seed)::int, m.ord, m.label,
       q.accuracy, q.di, NULL, :n_train, m.ms,
       (i ->> 'converged')::boolean,
       (i ->> 'random_intercept_variance')::float8,
       (i ->> 'steps')::int,
       i ->> 'stop_reason',
       i -> 'selected',
       m.err
FROM sim_models AS m
CROSS JOIN LATERAL (SELECT fairglmm_info(m.model) AS i) AS info
CROSS JOIN LATERAL (
    SELECT avg((z.yhat = z.y)::int)::float8 AS accuracy,
           disparate_impact(z.yhat, z.sex) AS di
    FROM (SELECT fairglmm_classify(m.model, s.x, s.stratum) AS yhat, s.y, s.sex
          FROM survey AS s WHERE NOT s.train) AS z
) AS q;

-- References that know the true mu: the true model (mu >= 0.5) and the best
-- classifier with DI >= 0.9.
INSERT INTO sim_results (scenario, labels, replicate, seed, train_seed, ord, label,
                         accuracy, di, expected_accuracy, train_rows)
SELECT :scenario, :'labels', :replicate, :seed, (:fg_train_seed)::int, 100,
       'true model (mu >= 0.5)',
       avg(((mu >= 0.5) = y)::int), disparate_impact(mu >= 0.5, sex),
       avg(CASE WHEN mu >= 0.5 THEN mu ELSE 1 - mu END), :n_train
FROM survey WHERE NOT train
UNION ALL
SELECT :scenario, :'labels', :replicate, :seed, (:fg_train_seed)::int, 101,
       'best classifier on true mu with DI >= 0.9',
       o.accuracy, o.di, o.expected_accuracy, :n_train
FROM sim_oracle(0.9) AS o;
\unset fg_train_seed
