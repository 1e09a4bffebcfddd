-- Random-input test, part 2: every mutated model through every function that
-- takes a model, and random feature arrays through every function that takes
-- features.  Each call must return a value or a clean error from a short
-- list of SQLSTATEs, and the server must keep running.
\set ON_ERROR_STOP 1
SET client_min_messages = error;
\pset footer off

-- Models.  Allowed: a value (probabilities in [0, 1], any finite mean of a
-- gaussian model), XX001 (invalid model), 42804 (strata of another type
-- than the model's), 2202E (x of another length than the model's), 22003
-- (x'beta is NaN) and, from fairglmm_classify only, 42809 (a gaussian model).
CREATE TABLE rt_models AS
SELECT k, kind, base, decode(hex, 'hex') AS m FROM rt_mutants
UNION ALL
SELECT 0, 'valid', name, m FROM rt_base;
ALTER TABLE rt_models ADD COLUMN x float8[];
UPDATE rt_models SET x = rt_x(m);

CREATE TABLE rt_model_calls AS
SELECT r.k, r.kind, r.base, f.fn, rt_call(f.fn, r.m, r.x) AS outcome
FROM rt_models AS r,
     unnest(ARRAY['predict_int', 'predict_bigint', 'predict_text', 'predict_population',
                  'classify_int', 'classify_text_threshold', 'info', 'coefficients',
                  'random_effects']) AS f(fn);

\echo == mutated models, by mutation
SELECT kind, count(DISTINCT (k, base)) AS models, count(*) AS calls,
       count(*) FILTER (WHERE outcome = 'ok') AS ok,
       count(*) FILTER (WHERE outcome = 'XX001') AS invalid_model,
       count(*) FILTER (WHERE outcome NOT IN ('ok', 'XX001')) AS other_error,
       string_agg(DISTINCT outcome, ' ') FILTER (WHERE outcome NOT IN ('ok', 'XX001')) AS other_outcomes
FROM rt_model_calls GROUP BY kind ORDER BY kind;

\echo == valid base models: every call succeeds unless the strata type differs
SELECT base, string_agg(fn || '=' || outcome, ' ' ORDER BY fn) FILTER (WHERE outcome <> 'ok') AS not_ok
FROM rt_model_calls WHERE kind = 'valid' GROUP BY base ORDER BY base;

-- Feature arrays: fixed edge cases, then random ones (deterministic seed).
SELECT setseed(0.77) \gset
CREATE TABLE rt_arrays (k serial, kind text, x float8[]);
INSERT INTO rt_arrays (kind, x) VALUES
  ('null', NULL), ('empty', '{}'), ('null element', '{1,NULL,3}'), ('all null', '{NULL,NULL,NULL}'),
  ('nan', '{NaN,0,0}'), ('infinity', '{0,Infinity,0}'), ('-infinity', '{0,0,-Infinity}'),
  ('2-d', '{{1,2,3}}'), ('2-d column', '{{1},{2},{3}}'), ('lower bound 5', '[5:7]={1,2,3}'),
  ('denormal', '{5e-324,-5e-324,0}'), ('extreme', '{1.7e308,-1.7e308,1.7e308}'),
  ('minus zero', '{-0,-0,-0}'), ('short', '{1,2}'), ('long', '{1,2,3,4}');
INSERT INTO rt_arrays (kind, x)
SELECT 'huge ' || n, array_fill(0.5::float8, ARRAY[n]) FROM unnest(ARRAY[100000, 100001, 1000000]) AS n;
INSERT INTO rt_arrays (kind, x)
SELECT 'random', ARRAY(
         SELECT CASE WHEN u < 0.03 THEN NULL
                     WHEN u < 0.05 THEN 'NaN'::float8
                     WHEN u < 0.06 THEN 'Infinity'::float8
                     WHEN u < 0.07 THEN '-Infinity'::float8
                     WHEN u < 0.10 THEN (random() - 0.5) * 1e308
                     WHEN u < 0.12 THEN (random() - 0.5) * 1e-300
                     ELSE (random() - 0.5) * 10 END
         FROM (SELECT i, random() AS u FROM generate_series(1, len) AS i) AS e ORDER BY i)
FROM (SELECT CASE WHEN random() < 0.7 THEN 3 ELSE floor(random() * 7)::int END AS len
      FROM generate_series(1, 2000)) AS q;

-- Allowed: a value, 22023 (non-finite x), 2202E (wrong length or
-- dimensions), 22000 (data cannot be fitted), 22003 (numeric overflow),
-- 54000 (limits), 42804 (strata of another type than the model's), 42809
-- (fairglmm_classify of a gaussian model).
CREATE TABLE rt_array_calls AS
SELECT a.k, a.kind, f.fn,
       rt_call(f.fn, (SELECT m FROM rt_base WHERE name = (ARRAY['crlr_int', 'fair_crlr_text_c', 'fair_glmm', 'lr', 'gaussian_fair_crlr'])[a.k % 5 + 1]), a.x) AS outcome
FROM rt_arrays AS a,
     unnest(ARRAY['predict_int', 'predict_bigint', 'predict_text', 'predict_population',
                  'classify_int', 'classify_text_threshold']) AS f(fn);
INSERT INTO rt_array_calls
SELECT k, kind, 'fit', rt_fit(x, k) FROM rt_arrays WHERE k <= 300 OR kind LIKE 'huge%';

\echo == feature arrays, by function
SELECT fn, count(*) AS calls, count(*) FILTER (WHERE outcome IN ('ok', 'null')) AS value,
       string_agg(DISTINCT outcome, ' ') FILTER (WHERE outcome NOT IN ('ok', 'null')) AS errors
FROM rt_array_calls GROUP BY fn ORDER BY fn;

\echo == disallowed outcomes (none expected)
SELECT 'model' AS input, kind, base AS detail, fn, outcome FROM rt_model_calls
WHERE NOT (fn LIKE 'classify%' AND outcome = '42809')
  AND (outcome NOT IN ('ok', 'XX001', '42804', '2202E', '22003')
       OR (kind = 'valid' AND outcome NOT IN ('ok', '42804')))
UNION ALL
SELECT 'array', kind, left(x::text, 40), fn, outcome FROM rt_array_calls JOIN rt_arrays USING (k, kind)
WHERE outcome NOT IN ('ok', 'null', '22023', '2202E', '22000', '22003', '54000', '42804')
  AND NOT (fn LIKE 'classify%' AND outcome = '42809')
ORDER BY 1, 2, 3, 4;

SELECT (SELECT count(*) FROM rt_model_calls) AS model_calls,
       (SELECT count(*) FROM rt_array_calls) AS array_calls,
       pg_postmaster_start_time() = (SELECT t FROM rt_start) AS same_postmaster,
       CASE WHEN pg_postmaster_start_time() = (SELECT t FROM rt_start)
             AND NOT EXISTS (SELECT FROM rt_model_calls
                             WHERE NOT (fn LIKE 'classify%' AND outcome = '42809')
                               AND (outcome NOT IN ('ok', 'XX001', '42804', '2202E', '22003')
                                    OR (kind = 'valid' AND outcome NOT IN ('ok', '42804'))))
             AND NOT EXISTS (SELECT FROM rt_array_calls
                             WHERE outcome NOT IN ('ok', 'null', '22023', '2202E', '22000', '22003', '54000', '42804')
                               AND NOT (fn LIKE 'classify%' AND outcome = '42809'))
            THEN 'pass' ELSE 'FAIL' END AS verdict \gset
\echo random-input: :model_calls model calls, :array_calls array calls, same postmaster :same_postmaster, verdict :verdict
