-- Every option of fairglmm_fit set away from its default, fitted serially and
-- as a parallel aggregate: the two models must agree (fairglmm_info to
-- rounding, coefficients to 1e-8).  Before the training state carried every
-- option, a parallel boosting fit lost nu, max_steps and the other boosting
-- options.  Then the errors of option l2, the separation report in
-- fairglmm_info, and a model written by fairglmm 1.0 (format version 1).
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;
-- 1,500 rows: few enough for exact_trace (at most 5,000)
CREATE TABLE opt_d AS SELECT * FROM d WHERE id <= 1500;
ANALYZE opt_d;

-- The fits: between them every option takes a value other than its default.
CREATE TABLE opt_fits (name text, rho float8, lambda float8, options jsonb);
INSERT INTO opt_fits VALUES
('fair_glmm, exact trace', 0.8, 2,
 '{"method": "fair_glmm", "tol": 1e-9, "max_iter": 50, "threshold": 0.4, "l2": 0.01,
   "q0": 3, "tol_q": 1e-4, "max_steps": 3, "nu": 0.3, "probes": 7, "seed": 7,
   "exact_trace": true, "feature_names": ["f1", "f2", "f3"]}'),
('glmm, probes', 0, 2,
 '{"method": "glmm", "l2": 0.01, "q0": 3, "tol_q": 1e-4, "max_steps": 3, "nu": 0.3,
   "probes": 7, "seed": 7}'),
('fair_crlr, c', 0, 2,
 '{"method": "fair_crlr", "c": 0.05, "tol": 1e-9, "max_iter": 50, "threshold": 0.4,
   "l2": 0.01, "feature_names": ["f1", "f2", "f3"]}'),
('lr', 0, 0, '{"method": "lr", "l2": 0.5, "threshold": 0.6}');

-- Which fits set each option away from its default (the defaults as
-- fairglmm_info prints them; method, rho, lambda and c at its top level):
-- every option is covered.
CREATE TABLE opt_defaults AS
SELECT * FROM jsonb_each('{"method": "fair_glmm", "rho": 0, "lambda": 1, "c": null, "tol": 1e-10,
  "max_iter": 100, "threshold": 0.5, "l2": 0, "q0": 2, "tol_q": 0.001, "max_steps": 100,
  "nu": 1, "probes": 30, "seed": 42, "exact_trace": false, "feature_names": null}');

-- The serial models.
CREATE TABLE opt_serial AS
SELECT f.name, (SELECT fairglmm_fit(y, x, g, s, f.rho, f.lambda, f.options) FROM opt_d) AS m
FROM opt_fits AS f;
SELECT name, jsonb_pretty(fairglmm_info(m) -> 'options') AS options FROM opt_serial ORDER BY name;
SELECT o.key AS option, string_agg(s.name, '; ' ORDER BY s.name) AS set_by
FROM opt_defaults AS o
LEFT JOIN opt_serial AS s
  ON coalesce(fairglmm_info(s.m) -> 'options' -> o.key, fairglmm_info(s.m) -> o.key) IS DISTINCT FROM o.value
GROUP BY o.key ORDER BY o.key;

-- Now as parallel aggregates: workers scan and serialise their rows, the
-- leader only combines them and fits (leader participation off).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
SET max_parallel_workers_per_gather = 2;

-- Workers launched by a query, from EXPLAIN ANALYZE (the plan runs).
CREATE FUNCTION opt_workers_launched(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (regexp_match(plan::text, '"Workers Launched": (\d+)'))[1]::int;
END $$;

EXPLAIN (COSTS OFF)
SELECT fairglmm_fit(y, x, g, s, 0.8, 2, '{"nu": 0.3}') FROM opt_d;

-- Each fit as CREATE TABLE AS, which may run in parallel, under EXPLAIN
-- ANALYZE, which runs it and says how many workers took part.
CREATE TABLE opt_parallel (name text, m bytea, workers int);
DO $$
DECLARE
  f record;
  n int;
BEGIN
  FOR f IN SELECT * FROM opt_fits ORDER BY name LOOP
    n := opt_workers_launched(format(
      'CREATE TABLE opt_one AS SELECT fairglmm_fit(y, x, g, s, %s, %s, %L) AS m FROM opt_d',
      f.rho, f.lambda, f.options));
    INSERT INTO opt_parallel SELECT f.name, m, n FROM opt_one;
    DROP TABLE opt_one;
  END LOOP;
END $$;
SELECT name, workers > 0 AS workers_ran FROM opt_parallel ORDER BY name;

-- The two must agree: numbers to 1e-8 (relative beyond 1), everything else
-- exactly, key by key and inside the nested objects.
CREATE FUNCTION opt_same(a jsonb, b jsonb) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k text;
BEGIN
  IF a IS NULL OR b IS NULL THEN
    RETURN a IS NOT DISTINCT FROM b;
  ELSIF jsonb_typeof(a) = 'number' AND jsonb_typeof(b) = 'number' THEN
    RETURN abs(a::text::float8 - b::text::float8) <= 1e-8 * greatest(1, abs(a::text::float8));
  ELSIF jsonb_typeof(a) = 'array' AND jsonb_typeof(b) = 'array' THEN
    IF jsonb_array_length(a) <> jsonb_array_length(b) THEN
      RETURN false;
    END IF;
    FOR i IN 0 .. jsonb_array_length(a) - 1 LOOP
      IF NOT opt_same(a -> i, b -> i) THEN
        RETURN false;
      END IF;
    END LOOP;
    RETURN true;
  ELSIF jsonb_typeof(a) = 'object' AND jsonb_typeof(b) = 'object' THEN
    FOR k IN SELECT key FROM jsonb_each(a) UNION SELECT key FROM jsonb_each(b) LOOP
      IF NOT opt_same(a -> k, b -> k) THEN
        RETURN false;
      END IF;
    END LOOP;
    RETURN true;
  END IF;
  RETURN a = b;
END $$;
CREATE FUNCTION opt_info_differences(a bytea, b bytea) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(key, ', ' ORDER BY key), 'none')
  FROM (SELECT key FROM jsonb_each(fairglmm_info(a)) UNION SELECT key FROM jsonb_each(fairglmm_info(b))) AS k
  WHERE key <> 'created_at' AND NOT opt_same(fairglmm_info(a) -> key, fairglmm_info(b) -> key) $$;
CREATE FUNCTION opt_coefficient_diff(a bytea, b bytea) RETURNS float8 LANGUAGE sql AS $$
  SELECT greatest(
    (SELECT max(abs(x.estimate - y.estimate))
     FROM fairglmm_coefficients(a) WITH ORDINALITY AS x(term, estimate, se, z, p, lo, hi, odds, k)
     FULL JOIN fairglmm_coefficients(b) WITH ORDINALITY AS y(term, estimate, se, z, p, lo, hi, odds, k) USING (k)),
    coalesce((SELECT max(abs(x.effect - y.effect) + abs(x.n - y.n))
              FROM fairglmm_random_effects(a) AS x
              FULL JOIN fairglmm_random_effects(b) AS y USING (stratum)), 0)) $$;

SELECT name, opt_info_differences(s.m, p.m) AS info_differs_in,
       fairglmm_info(s.m) -> 'options' = fairglmm_info(p.m) -> 'options' AS same_options,
       opt_coefficient_diff(s.m, p.m) < 1e-8 AS same_coefficients
FROM opt_serial AS s JOIN opt_parallel AS p USING (name) ORDER BY name;
-- what the parallel boosting fits recorded (format version 1 of the state
-- made these 1 and 100)
SELECT name, fairglmm_info(m) -> 'options' -> 'nu' AS nu, fairglmm_info(m) -> 'options' -> 'max_steps' AS max_steps,
       fairglmm_info(m) ->> 'steps' AS steps
FROM opt_parallel WHERE name LIKE '%glmm%' ORDER BY name;
RESET ALL;
SET max_parallel_workers_per_gather = 0;

-- option l2: its errors, and the list of valid options that names it
\set VERBOSITY default
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "ridge": 0.1}') FROM opt_d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "l2": -0.5}') FROM opt_d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "l2": "0.1"}') FROM opt_d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "l2": 1e400}') FROM opt_d;
-- every option's range is checked whatever the method (boosting options too)
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "nu": 0}') FROM opt_d;
\set VERBOSITY terse
-- l2 = 0 and in range
SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "l2": 0}')) -> 'options' -> 'l2' AS l2,
       fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "l2": 1e6}')) -> 'options' -> 'l2' AS l2_large
FROM opt_d;

-- The separation report in fairglmm_info: a fitted model forged (checksum
-- recomputed) to say that 5 rows were separated and the intercept and the
-- second feature are not identified.  Format version 2 ends with
-- separated_rows u64, n_unidentified u32, the terms (u32 each), the fairness
-- part (58 bytes with one binary integer attribute, and 49 more per
-- fairness term), the inference and continuous-outcome parts, CRC-32C u32.
CREATE FUNCTION opt_crc32c(b bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  crc bigint := 4294967295;
BEGIN
  FOR i IN 0 .. length(b) - 1 LOOP
    crc := crc # get_byte(b, i);
    FOR k IN 1 .. 8 LOOP
      crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 2197175160 ELSE crc >> 1 END;
    END LOOP;
  END LOOP;
  RETURN crc # 4294967295;
END $$;
CREATE FUNCTION opt_le(v bigint, n int) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT decode(string_agg(lpad(to_hex((v >> (8 * k)) & 255), 2, '0'), '' ORDER BY k), 'hex')
  FROM generate_series(0, n - 1) AS k $$;
-- m with its separation report replaced; m must have none.  After the report
-- come the fairness part (f bytes), the inference part (47 bytes with the
-- version "1.1", the (1 + p)^2 covariance and the standard errors of the
-- random intercepts when the model has a covariance) and the 48 bytes of the
-- continuous-outcome part (no thresholds).
CREATE FUNCTION opt_with_report(m bytea, rows_ bigint, terms int[]) RETURNS bytea LANGUAGE sql AS $$
  SELECT body || opt_le(opt_crc32c(body), 4)
  FROM (SELECT overlay(substr(m, 1, length(m) - 16 - f) PLACING opt_le(length(m) + 4 * cardinality(terms), 8) FROM 13 FOR 8)
               || opt_le(rows_, 8) || opt_le(cardinality(terms), 4)
               || coalesce((SELECT string_agg(opt_le(t, 4), ''::bytea ORDER BY k) FROM unnest(terms) WITH ORDINALITY AS u(t, k)), '')
               || substr(m, length(m) - 3 - f, f)
               AS body
        FROM (SELECT 58 + 49 * jsonb_array_length(i -> 'fairness_terms') + 47 + 48
                     + CASE WHEN i -> 'options' ->> 'vcov' = 'none' THEN 0
                            ELSE 8 * ((i ->> 'p')::int + 1) * ((i ->> 'p')::int + 1) + 8 * (i ->> 'n_strata')::int END AS f
              FROM (SELECT fairglmm_info(m) AS i) AS i) AS t) AS q $$;
SELECT name, fairglmm_info(m) -> 'separated_rows' AS separated_rows, fairglmm_info(m) -> 'unidentified' AS unidentified,
       fairglmm_info(opt_with_report(m, 5, ARRAY[0, 2])) -> 'separated_rows' AS forged_rows,
       fairglmm_info(opt_with_report(m, 5, ARRAY[0, 2])) -> 'unidentified' AS forged_terms
FROM opt_serial WHERE name IN ('fair_crlr, c', 'lr') ORDER BY name;
-- a term past the features, and terms out of order, are refused
\set VERBOSITY default
SELECT fairglmm_info(opt_with_report(m, 5, ARRAY[4])) FROM opt_serial WHERE name = 'lr';
SELECT fairglmm_info(opt_with_report(m, 5, ARRAY[2, 1])) FROM opt_serial WHERE name = 'lr';
\set VERBOSITY terse

-- A model written by fairglmm 1.0 (format version 1, by the encoder of that
-- release): glmm, features age and income, integer strata 1 and 2,
-- intercept 0.5, slopes 1 and -2, random intercepts 0.25 and -0.25.  It
-- still decodes; options it predates get their defaults (l2 = 0).
CREATE TABLE opt_v1 AS SELECT '\x46474c4d0100fffe000000003d01000000000000050000000000000000000000000000f03f000000000000f87fbbbdd7d9df7cdb3d64000000000000000000e03f001600000000000000010000000000000002000000020000000101000000000000e03f000000000000f03f00000000000000c00300000061676506000000696e636f6d65080000008000000000000001000000000000d03f0a00000000000000080000008000000000000002000000000000d0bf0c000000000000000500000001000000000000f87f00000000000029400000000000000000000000000000e83f000000000000e03f7b14ae47e17a843f000000000000b03f04000000020000000000403e400103000000010000000000000000000040fca9f1d24d62503f04000000000000000000e03f1e0000002a0000000000000000fea1071f'::bytea AS m;
SELECT jsonb_pretty(fairglmm_info(m)) FROM opt_v1;
SELECT term, estimate FROM opt_v1, fairglmm_coefficients(m);
SELECT stratum, effect, n FROM opt_v1, fairglmm_random_effects(m);
SELECT abs(fairglmm_predict(m, ARRAY[1, 1], 1) - 1 / (1 + exp(0.25))) < 1e-15 AS predict_ok,
       fairglmm_classify(m, ARRAY[1, 0], 2) AS classify_ok
FROM opt_v1;
RESET ALL;

-- the option table from SQL: every options key and argument, once
SELECT name, given_as, type, default_value, valid_values FROM fairglmm_options();
SELECT count(*) = count(DISTINCT name) AS unique_names,
       bool_and(description <> '') AS described
FROM fairglmm_options();
