-- The main job: train every available method on a small sample per stratum of
-- a synthetic survey (tools/make_survey.sql), score the remaining rows in SQL,
-- and report accuracy and disparate impact per method.
\set QUIET on
\set ON_ERROR_STOP on
\pset footer off
SET jit = off;
\if :{?scenario} \else \set scenario 1 \endif
\if :{?seed} \else \set seed 42 \endif
\set n_strata 100
\set rows_per_stratum 1000
\set table survey
\i tools/make_survey.sql

SELECT count(*) AS rows, count(*) FILTER (WHERE train) AS training_rows,
       count(DISTINCT stratum) AS strata, round(avg(y::int), 3) AS share_y
FROM survey \gset
\echo
\echo Survey: :rows rows in :strata strata, scenario :scenario (paper section 3.:scenario), share of y = :share_y
\echo Training on :training_rows rows (3 to 5 per stratum); scoring the other rows.
\echo The sensitive attribute (sex) is also the 4th feature, as in the paper.

-- The paper's settings: rho = 0.8, lambda = 1, c = 0.1.  Its authors' code
-- leaves out the 1/N of the penalty, so their rho equals 0.8 * N here.
CREATE TEMP TABLE runs (label text, method text, rho float8, lambda float8, options jsonb);
INSERT INTO runs VALUES
  ('LR',                                 'lr',        0,                  0, '{}'),
  ('Fair LR, rho = 0.8',                 'fair_lr',   0.8,                0, '{}'),
  ('Fair LR, rho = 0.8 N (authors)',     'fair_lr',   0.8 * :training_rows, 0, '{}'),
  ('Fair LR, abs(cov) <= 0.1',           'fair_lr',   0,                  0, '{"c": 0.1}'),
  ('CRLR',                               'crlr',      0,                  1, '{}'),
  ('Fair CRLR, rho = 0.8',               'fair_crlr', 0.8,                1, '{}'),
  ('Fair CRLR, rho = 0.8 N (authors)',   'fair_crlr', 0.8 * :training_rows, 1, '{}'),
  ('Fair CRLR, abs(cov) <= 0.1',         'fair_crlr', 0,                  1, '{"c": 0.1}'),
  ('GLMM (boosting)',                    'glmm',      0,                  1, '{}'),
  ('Fair GLMM, rho = 0.8',               'fair_glmm', 0.8,                1, '{}'),
  ('Fair GLMM, rho = 0.8 N (authors)',   'fair_glmm', 0.8 * :training_rows, 1, '{}');

CREATE TEMP TABLE models AS
SELECT r.label, fairglmm_fit(s.y, s.x, s.stratum, s.sex, r.rho, r.lambda,
                             r.options || jsonb_build_object('method', r.method)) AS model
FROM runs AS r CROSS JOIN survey AS s
WHERE s.train
GROUP BY r.label;

\echo
\echo Test-set accuracy and disparate impact (DI = 1 is parity), threshold 0.5:
SELECT r.ord, r.label AS method, q.accuracy, q.di,
       round((fairglmm_info(m.model) ->> 'train_covariance')::numeric, 3) AS train_cov,
       round((fairglmm_info(m.model) ->> 'multiplier')::numeric, 2) AS multiplier
FROM (SELECT label, row_number() OVER () AS ord FROM runs) AS r
JOIN models AS m USING (label),
LATERAL (SELECT round(avg((yhat = y)::int), 3) AS accuracy,
                round(disparate_impact(yhat, sex)::numeric, 3) AS di
         FROM (SELECT fairglmm_classify(m.model, s.x, s.stratum) AS yhat, s.y, s.sex
               FROM survey AS s WHERE NOT s.train) AS scored) AS q
UNION ALL
SELECT 100, 'true model (mu >= 0.5), for reference', round(avg(((mu >= 0.5) = y)::int), 3),
       round(disparate_impact(mu >= 0.5, sex)::numeric, 3), NULL, NULL
FROM survey WHERE NOT train
ORDER BY 1;
