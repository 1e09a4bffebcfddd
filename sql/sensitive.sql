-- Sensitive attributes beyond one binary column (categorical text or
-- integer codes, arrays of several attributes), the fairness notions, row
-- weights, bounds per attribute, and how calls resolve between the typed
-- signatures of 1.0 and the "any" ones of 1.1.  Uses model_diff and
-- workers_launched (parallel) and opt_same (options).
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.23);
CREATE TABLE sens AS
SELECT i AS id, g, s, s = 1 AS sb, CASE WHEN s = 1 THEN 'M' ELSE 'F' END AS st,
       CASE WHEN s = 1 THEN 7 ELSE 3 END AS s37,
       (ARRAY['asian', 'black', 'other', 'white'])[race + 1] AS race, age,
       ARRAY[z1 + 0.5 * s, z2, z1 * z2 + 0.3 * race] AS x,
       0.25 + 1.5 * w AS w,
       (u < 1 / (1 + exp(-(0.1 + 0.8 * z1 - 0.5 * z2 + 0.6 * s - 0.3 * race + 0.2 * age + sin(g))))) AS y
FROM (SELECT i, (i * 7) % 53 AS g, (random() < 0.45)::int AS s, floor(random() * 4)::int AS race,
             floor(random() * 3)::int AS age, random() AS w,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
             random() AS u
      FROM generate_series(1, 8000) AS i) AS q;
ANALYZE sens;

-- Which signature a call resolves to: the typed ones of 1.0 for 1.0's
-- types, the "any" ones otherwise.
CREATE FUNCTION sens_resolves(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  EXECUTE 'CREATE TEMP VIEW sens_v AS ' || q;
  SELECT string_agg(DISTINCT d.refobjid::regprocedure::text, ', ') INTO r
  FROM pg_depend AS d JOIN pg_rewrite AS w ON d.objid = w.oid JOIN pg_proc AS p ON p.oid = d.refobjid
  WHERE w.ev_class = 'sens_v'::regclass AND d.refclassid = 'pg_proc'::regclass
    AND p.proname = 'fairglmm_fit';
  DROP VIEW sens_v;
  RETURN r;
END $$;
SELECT q, sens_resolves(q) AS resolves_to
FROM unnest(ARRAY[
  $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1) FROM sens$$,
  $$SELECT fairglmm_fit(y::int, x, g::bigint, sb, 0.8, 1, '{"method": "fair_crlr"}') FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g::text, s, 0, 1, NULL) FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g, st, 0.8, 1) FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "fair_crlr"}') FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g, ARRAY[s, age], 0.8, 1, '{"method": "fair_crlr"}') FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g, ARRAY[race, st], 0.8, 1, '{"method": "fair_crlr"}') FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g, s, w, 0.8, 1, '{"method": "fair_crlr"}') FROM sens$$,
  $$SELECT fairglmm_fit(y, x, g, s, w, 0.8, 1, NULL) FROM sens$$]) AS q;

-- A two-category attribute is the binary one whatever its type: boolean,
-- integer 0/1, text F/M (M second in sort order), integers {3, 7}, and a
-- one-element array give the same model.
CREATE TABLE sens_two AS
SELECT 'int' AS name, fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM sens
UNION ALL SELECT 'boolean', fairglmm_fit(y, x, g, sb, 0.8, 1, '{"method": "fair_crlr"}') FROM sens
UNION ALL SELECT 'text', fairglmm_fit(y, x, g, st, 0.8, 1, '{"method": "fair_crlr"}') FROM sens
UNION ALL SELECT 'ints 3 and 7', fairglmm_fit(y, x, g, s37, 0.8, 1, '{"method": "fair_crlr"}') FROM sens
UNION ALL SELECT 'array', fairglmm_fit(y, x, g, ARRAY[st], 0.8, 1, '{"method": "fair_crlr"}') FROM sens;
SELECT name, model_diff(m, (SELECT m FROM sens_two WHERE name = 'int')) = 0 AS same_model,
       fairglmm_info(m) -> 'sensitive_attributes' -> 0 -> 'categories' AS categories,
       fairglmm_info(m) -> 'fairness_terms' -> 0 ->> 'category' AS term_category,
       (fairglmm_info(m) -> 'fairness_terms' -> 0 ->> 'covariance')::float8
         = (fairglmm_info((SELECT m FROM sens_two WHERE name = 'int')) -> 'fairness_terms' -> 0 ->> 'covariance')::float8
         AS same_covariance
FROM sens_two ORDER BY name;
-- the same in the constrained form, bound given for attribute 1
SELECT model_diff(fairglmm_fit(y, x, g, st, 0, 1, '{"method": "fair_crlr", "c": {"1": 0.01}}'),
                  fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0.01}')) < 1e-12 AS same_constrained
FROM sens;

-- Categorical and several attributes: one term per category (one-vs-rest)
-- of a multi-category attribute, one for a binary one; per notion.
CREATE TABLE sens_cat AS
SELECT 'race' AS name, fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM sens
UNION ALL SELECT 'race, equal_opportunity', fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "fair_crlr", "fairness": "equal_opportunity"}') FROM sens
UNION ALL SELECT 'race, equalized_odds', fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "fair_crlr", "fairness": "equalized_odds"}') FROM sens
UNION ALL SELECT 'race and sex', fairglmm_fit(y, x, g, ARRAY[race, st], 0.8, 1, '{"method": "fair_lr"}') FROM sens
UNION ALL SELECT 'sex and age, c for age', fairglmm_fit(y, x, g, ARRAY[s, age], 0, 1, '{"method": "fair_crlr", "c": {"2": 0.005}}') FROM sens
UNION ALL SELECT 'race, glmm', fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "glmm", "fairness": "equalized_odds"}') FROM sens;
SELECT name, fairglmm_info(m) -> 'options' ->> 'fairness' AS fairness,
       jsonb_array_length(fairglmm_info(m) -> 'fairness_terms') AS terms,
       (SELECT string_agg(format('%s:%s %s %s%s', t ->> 'attribute', t ->> 'category', t ->> 'notion', t ->> 'rows',
                                 CASE WHEN t -> 'bound' = 'null' THEN '' ELSE ' <= ' || (t ->> 'bound') END), ', ')
        FROM jsonb_array_elements(fairglmm_info(m) -> 'fairness_terms') AS t) AS term_list
FROM sens_cat ORDER BY name;
SELECT name, a ->> 'attribute' AS attribute, a ->> 'type' AS type, a -> 'categories' AS categories,
       (a ->> 'train_disparate_impact')::float8 BETWEEN 0 AND 1 AS disparate_impact_in_range
FROM sens_cat, jsonb_array_elements(fairglmm_info(m) -> 'sensitive_attributes') AS a
WHERE name IN ('race', 'race and sex', 'sex and age, c for age') ORDER BY name, attribute;
-- c as given: a number or an object (at the top level, like rho and lambda)
SELECT fairglmm_info(m) -> 'options' -> 'c' AS not_in_options, fairglmm_info(m) -> 'c' AS c
FROM sens_cat WHERE name = 'sex and age, c for age';
-- codes do not depend on row order (only the rounding of sums does)
SELECT model_diff(m, (SELECT fairglmm_fit(y, x, g, ARRAY[race, st], 0.8, 1, '{"method": "fair_lr"}' ORDER BY id DESC) FROM sens)) < 1e-9
       AS order_invariant,
       fairglmm_info(m) -> 'sensitive_attributes'
         = fairglmm_info((SELECT fairglmm_fit(y, x, g, ARRAY[race, st], 0.8, 1, '{"method": "fair_lr"}' ORDER BY id DESC) FROM sens))
           -> 'sensitive_attributes' AS same_categories
FROM sens_cat WHERE name = 'race and sex';

-- Weights.  mean_one (the default) rescales them to mean 1, as_given takes
-- them as frequencies; a weight of 0 or NULL skips the row.
SELECT w_scale, fairglmm_info(m) ->> 'weighted' AS weighted,
       round((fairglmm_info(m) ->> 'weight_sum')::numeric, 6) AS weight_sum,
       fairglmm_info(m) ->> 'rows_used' AS rows_used, fairglmm_info(m) ->> 'rows_skipped' AS rows_skipped
FROM (SELECT 'mean_one' AS w_scale, fairglmm_fit(y, x, g, race, CASE WHEN id % 100 = 0 THEN 0 WHEN id % 101 = 0 THEN NULL ELSE w END,
                                                  0.8, 1, '{"method": "fair_crlr"}') AS m FROM sens
      UNION ALL
      SELECT 'as_given', fairglmm_fit(y, x, g, race, w, 0.8, 1, '{"method": "fair_crlr", "weights": "as_given"}') FROM sens) AS q
ORDER BY w_scale;
SELECT round(sum(w)::numeric, 6) AS sum_of_weights FROM sens;
-- a weight of 2 is the row twice (frequency weights; the rows used differ)
CREATE FUNCTION sens_estimate_diff(a bytea, b bytea) RETURNS float8 LANGUAGE sql AS $$
  SELECT greatest(
    (SELECT max(abs(x.estimate - y.estimate))
     FROM fairglmm_coefficients(a) WITH ORDINALITY AS x(term, estimate, se, z, p, lo, hi, odds, k)
     FULL JOIN fairglmm_coefficients(b) WITH ORDINALITY AS y(term, estimate, se, z, p, lo, hi, odds, k) USING (k)),
    (SELECT max(abs(x.effect - y.effect))
     FROM fairglmm_random_effects(a) AS x FULL JOIN fairglmm_random_effects(b) AS y USING (stratum))) $$;
SELECT sens_estimate_diff(
  (SELECT fairglmm_fit(y, x, g, race, CASE WHEN id % 3 = 0 THEN 2 ELSE 1 END, 0.8, 1, '{"method": "fair_crlr", "weights": "as_given"}') FROM sens),
  (SELECT fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "fair_crlr"}')
   FROM (SELECT * FROM sens UNION ALL SELECT * FROM sens WHERE id % 3 = 0) AS dup)) < 1e-8 AS weight_two_is_row_twice;
-- unit weights are the unweighted fit
SELECT model_diff(
  (SELECT fairglmm_fit(y, x, g, s, 1.0, 0.8, 1, '{"method": "fair_crlr"}') FROM sens),
  (SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM sens)) < 1e-12 AS unit_weights;

-- Serial and parallel fits agree (categorical, several attributes, weights).
CREATE TABLE sens_serial AS
SELECT 'race weighted' AS name, fairglmm_fit(y, x, g, race, w, 0.8, 1, '{"method": "fair_crlr", "fairness": "equalized_odds"}') AS m FROM sens
UNION ALL SELECT 'race and sex', fairglmm_fit(y, x, g::text, ARRAY[race, st], 0, 1, '{"method": "fair_crlr", "c": 0.01}') FROM sens
UNION ALL SELECT 'age codes', fairglmm_fit(y, x, g, CASE WHEN id > 7000 THEN age ELSE s END, w, 0, 0, '{"method": "fair_lr", "weights": "as_given"}') FROM sens;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT workers_launched($$SELECT fairglmm_fit(y, x, g, race, w, 0.8, 1, '{"method": "fair_crlr"}') FROM sens$$) > 0
       AS workers_ran;
CREATE TABLE sens_parallel AS
SELECT 'race weighted' AS name, fairglmm_fit(y, x, g, race, w, 0.8, 1, '{"method": "fair_crlr", "fairness": "equalized_odds"}') AS m FROM sens
UNION ALL SELECT 'race and sex', fairglmm_fit(y, x, g::text, ARRAY[race, st], 0, 1, '{"method": "fair_crlr", "c": 0.01}') FROM sens
UNION ALL SELECT 'age codes', fairglmm_fit(y, x, g, CASE WHEN id > 7000 THEN age ELSE s END, w, 0, 0, '{"method": "fair_lr", "weights": "as_given"}') FROM sens;
SELECT name, model_diff(a.m, b.m) < 1e-8 AS same_coefficients,
       opt_same(fairglmm_info(a.m) - 'iterations' - 'gradient_norm' - 'created_at',
                fairglmm_info(b.m) - 'iterations' - 'gradient_norm' - 'created_at') AS same_info
FROM sens_serial AS a JOIN sens_parallel AS b USING (name) ORDER BY name;
SET max_parallel_workers_per_gather = 0;

-- Errors.
\set VERBOSITY default
SELECT fairglmm_fit(y, x, g, race, CASE WHEN id = 9 THEN -1 ELSE w END, 0.8, 1, NULL) FROM sens;
SELECT fairglmm_fit(y, x, g, race, CASE WHEN id = 9 THEN 'NaN' ELSE w END, 0.8, 1, NULL) FROM sens;
SELECT fairglmm_fit(y, x, g, race, CASE WHEN id = 9 THEN 'Infinity' ELSE w END, 0.8, 1, NULL) FROM sens;
SELECT fairglmm_fit(y, x, g, CASE WHEN id = 9 THEN ARRAY[race] ELSE ARRAY[race, st] END, 0.8, 1) FROM sens;
SELECT fairglmm_fit(y, x, g, '{}'::text[], 0.8, 1) FROM sens;
SELECT fairglmm_fit(y, x, g, ARRAY[[race, st]], 0.8, 1) FROM sens;
SELECT fairglmm_fit(y, x, g, array_fill(s, ARRAY[17]), 0.8, 1) FROM sens;
SELECT fairglmm_fit(y, x, g, x, 0.8, 1) FROM sens;
SELECT fairglmm_fit(y, x, g, ARRAY[race, 'all'], 0.8, 1, '{"method": "fair_crlr"}') FROM sens;
SELECT fairglmm_fit(y, x, g, id, 0.8, 1, '{"method": "fair_crlr"}') FROM sens;
SELECT fairglmm_fit(y, x, g, ARRAY[s, age], 0, 1, '{"method": "fair_crlr", "c": {"3": 0.1}}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": {"one": 0.1}}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": {"1": -0.1}}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": {"1": "a"}}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "c": {"1": 0.1}}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "fairness": "equal_odds"}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "weights": 1}') FROM sens;
\set VERBOSITY terse
-- NULL anywhere in the sensitive value, a NULL weight: the row is skipped
SELECT fairglmm_info(fairglmm_fit(y, x, g, ARRAY[race, CASE WHEN id % 10 = 0 THEN NULL ELSE st END], w, 0.8, 1,
                                  '{"method": "fair_crlr"}')) ->> 'rows_skipped' AS skipped
FROM sens;
SELECT fairglmm_fit(y, x, g, race, 0, 0.8, 1, NULL) FROM sens WHERE id < 10;
-- a non-fair method ignores the notion (recorded as the default), as it ignores rho
SELECT fairglmm_info(fairglmm_fit(y, x, g, race, 0.8, 1, '{"method": "crlr", "fairness": "equalized_odds"}'))
       -> 'options' ->> 'fairness' AS recorded FROM sens;
SELECT name, type, default_value, valid_values FROM fairglmm_options()
WHERE name IN ('c', 'fairness', 'weights') ORDER BY name;
\set VERBOSITY default
-- settings that would otherwise do nothing are errors
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr", "weights": "as_given"}') FROM sens;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": {}}') FROM sens;
-- a category without rows in its notion's group gives a term that is
-- identically zero: a WARNING says so (here category 'other' has no y = 1 row)
SELECT jsonb_path_query_array(fairglmm_info(fairglmm_fit(y, x, g, race, 0.8, 1,
           '{"method": "fair_crlr", "fairness": "equal_opportunity"}')) -> 'fairness_terms', '$[*].share') AS shares
FROM sens WHERE NOT (race = 'other' AND y);
-- several terms: no single top-level multiplier or covariance (see the terms)
SELECT fairglmm_info(m) ->> 'multiplier' AS multiplier, fairglmm_info(m) ->> 'train_covariance' AS covariance,
       jsonb_array_length(fairglmm_info(m) -> 'fairness_terms') AS terms
FROM (SELECT fairglmm_fit(y, x, g, race, 0, 1, '{"method": "fair_crlr", "c": 0.01}') AS m FROM sens) AS q;
RESET ALL;
