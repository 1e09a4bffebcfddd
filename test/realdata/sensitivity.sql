-- The paper's sensitivity analysis (its Section 4.1 and Table 11) redone on
-- survey::nhanes: race (4 categories) and gender as sensitive attributes,
-- alone and together, each fitted by fair_crlr with every covariance held at
-- zero (c = 0), over 20 random 70/30 splits.  Run after load.sql:
--
--   psql -f test/realdata/load.sql -f test/realdata/sensitivity.sql
--
-- Per set of attributes it prints the mean Lagrange multiplier mass of each
-- attribute (|mu| for a binary one; for race half the sum of |mu_j| over its
-- categories, whose multipliers sum to zero at c = 0), the disparate impact
-- of each attribute on the held-out rows for lr (the paper's baseline) and for
-- the fair fit, its relative improvement, and the accuracy drop against crlr
-- (the paper compares with its GLMM; crlr is its deterministic counterpart).
-- Rows are classified at threshold 0.1, about the share with high
-- cholesterol (11 %): at 0.5 almost no row is predicted positive and every
-- disparate impact is 1, whatever the model.
-- A second table lists the mean multiplier of every term.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP TABLE IF EXISTS sens_rows, sens_fits, sens_scores;
RESET client_min_messages;

CREATE TEMP TABLE sens_rows AS
SELECT m.id, m.y, m.x, m.stratum, n.race, n.riagendr AS gender
FROM realdata.nhanes_model AS m JOIN realdata.nhanes AS n USING (id)
WHERE m.y IS NOT NULL;

CREATE TEMP TABLE sens_fits AS
WITH reps AS (SELECT generate_series(1, 20) AS r),
     sets(name, attrs) AS (VALUES ('race', 'race'), ('gender', 'gender'),
                                  ('race + gender', 'race,gender')),
     train AS (SELECT r.r, s.*, CASE sets.attrs WHEN 'race' THEN ARRAY[s.race]
                                                WHEN 'gender' THEN ARRAY[s.gender]
                                                ELSE ARRAY[s.race, s.gender] END AS sens,
                      sets.name
               FROM reps AS r CROSS JOIN sets JOIN sens_rows AS s
                    ON realdata.draw('nhanes', s.id, r.r) < 0.7)
SELECT r, name,
       fairglmm_fit(y, x, stratum, sens, 0, 1, '{"method": "lr", "threshold": 0.1}') AS lr,
       fairglmm_fit(y, x, stratum, sens, 0, 1, '{"method": "crlr", "threshold": 0.1}') AS crlr,
       fairglmm_fit(y, x, stratum, sens, 0, 1, '{"method": "fair_crlr", "c": 0, "threshold": 0.1}') AS fair
FROM train GROUP BY r, name;

CREATE TEMP TABLE sens_scores AS
SELECT f.r, f.name, s.id, s.y, s.race, s.gender,
       fairglmm_classify(f.lr, s.x, s.stratum) AS yhat_lr,
       fairglmm_classify(f.crlr, s.x, s.stratum) AS yhat_crlr,
       fairglmm_classify(f.fair, s.x, s.stratum) AS yhat_fair
FROM sens_fits AS f JOIN sens_rows AS s ON realdata.draw('nhanes', s.id, f.r) >= 0.7;

\echo Table: sensitivity analysis on survey::nhanes (20 splits, fair_crlr with c = 0)
WITH per_rep AS (
    SELECT r, name,
           avg((yhat_crlr = y)::int) AS acc_crlr, avg((yhat_fair = y)::int) AS acc_fair,
           disparate_impact(yhat_lr, race) AS di_race_lr, disparate_impact(yhat_fair, race) AS di_race_fair,
           disparate_impact(yhat_lr, gender) AS di_gender_lr, disparate_impact(yhat_fair, gender) AS di_gender_fair
    FROM sens_scores GROUP BY r, name),
mult AS (
    SELECT f.r, f.name, (t->>'attribute')::int AS attribute,
           sum(abs((t->>'multiplier')::float8)) / CASE WHEN count(*) > 1 THEN 2 ELSE 1 END AS mass
    FROM sens_fits AS f, jsonb_array_elements(fairglmm_info(f.fair)->'fairness_terms') AS t
    GROUP BY f.r, f.name, (t->>'attribute')::int),
mult_named AS (
    SELECT r, name,
           max(mass) FILTER (WHERE (name = 'race' AND attribute = 1) OR (name = 'race + gender' AND attribute = 1)) AS sa_race,
           max(mass) FILTER (WHERE (name = 'gender' AND attribute = 1) OR (name = 'race + gender' AND attribute = 2)) AS sa_gender
    FROM mult GROUP BY r, name)
SELECT p.name AS sensitive,
       concat_ws(' / ', round(avg(m.sa_race)::numeric, 1), round(avg(m.sa_gender)::numeric, 1)) AS "SA (race / gender)",
       concat_ws(' / ', round(avg(p.di_race_lr)::numeric, 3) || ' -> ' || round(avg(p.di_race_fair)::numeric, 3),
                 round(avg(p.di_gender_lr)::numeric, 3) || ' -> ' || round(avg(p.di_gender_fair)::numeric, 3)) AS "DI lr -> fair (race / gender)",
       concat_ws(' / ', round(100 * (avg(p.di_race_fair) / avg(p.di_race_lr) - 1)::numeric, 1) || '%',
                 round(100 * (avg(p.di_gender_fair) / avg(p.di_gender_lr) - 1)::numeric, 1) || '%') AS "DI improve",
       round(100 * (1 - avg(p.acc_fair) / avg(p.acc_crlr))::numeric, 2) || '%' AS "AC drop"
FROM per_rep AS p JOIN mult_named AS m USING (r, name)
GROUP BY p.name ORDER BY (p.name = 'race + gender')::int, p.name DESC;

\echo Mean multiplier of every term (category labels as stored in the model)
SELECT f.name AS sensitive, (t->>'attribute')::int AS attribute, t->>'category' AS category,
       round(avg((t->>'multiplier')::float8)::numeric, 2) AS mean_multiplier,
       round(stddev((t->>'multiplier')::float8)::numeric, 2) AS sd,
       max(abs((t->>'covariance')::float8)) AS max_abs_cov
FROM sens_fits AS f, jsonb_array_elements(fairglmm_info(f.fair)->'fairness_terms') AS t
GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3;
