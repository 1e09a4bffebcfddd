-- Random-input test, part 1: data, valid base models and the call wrappers.
-- Run by test/random/run.sh in a database of its own.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION fairglmm;
CREATE TABLE rt_start AS SELECT pg_postmaster_start_time() AS t;

-- 300 rows, 3 features, 12 strata; deterministic
SELECT setseed(0.31) \gset
CREATE TABLE rt_data AS
SELECT i AS id, i % 12 AS g, (random() < 0.4)::int AS s,
       ARRAY[random() * 2 - 1, random() * 2 - 1, random() * 2 - 1] AS x,
       random() < 0.45 AS y
FROM generate_series(1, 300) AS i;

-- one valid model of every shape the mutations start from
CREATE TABLE rt_base (name text PRIMARY KEY, m bytea);
INSERT INTO rt_base
SELECT 'lr', fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM rt_data
UNION ALL
SELECT 'fair_lr_names', fairglmm_fit(y, x, g, s, 0.8, 0, '{"method": "fair_lr", "feature_names": ["age", "income", "t\u00e9nure"]}') FROM rt_data
UNION ALL
SELECT 'crlr_int', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM rt_data
UNION ALL
SELECT 'fair_crlr_text_c', fairglmm_fit(y, x, 'g' || g, s, 0, 1, '{"method": "fair_crlr", "c": 0.01}') FROM rt_data
UNION ALL
SELECT 'fair_glmm', fairglmm_fit(y, x, g::bigint, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 20}') FROM rt_data
UNION ALL
SELECT 'glmm_text_names', fairglmm_fit(y, x, g::text, s, 0, 1, '{"method": "glmm", "max_steps": 20, "feature_names": ["a", "b", "c"]}') FROM rt_data
UNION ALL
SELECT 'gaussian_fair_crlr', fairglmm_fit(2 * x[1] - x[2] + y::int, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM rt_data;

CREATE TABLE rt_mutants (k serial, kind text, base text, hex text);

-- One call of one model function; 'ok', 'bad value ...' or the SQLSTATE.
CREATE FUNCTION rt_call(fn text, m bytea, x float8[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f float8;
  b boolean;
  j jsonb;
  n bigint;
BEGIN
  CASE fn
    WHEN 'predict_int' THEN f := fairglmm_predict(m, x, 7);
    WHEN 'predict_bigint' THEN f := fairglmm_predict(m, x, -7::bigint);
    WHEN 'predict_text' THEN f := fairglmm_predict(m, x, 'g7'::text);
    WHEN 'predict_population' THEN f := fairglmm_predict(m, x);
    WHEN 'classify_int' THEN b := fairglmm_classify(m, x, 3);
    WHEN 'classify_text_threshold' THEN b := fairglmm_classify(m, x, ''::text, 0.25);
    WHEN 'info' THEN j := fairglmm_info(m);
    WHEN 'coefficients' THEN SELECT count(*) INTO n FROM fairglmm_coefficients(m);
    WHEN 'random_effects' THEN SELECT count(*) INTO n FROM fairglmm_random_effects(m);
  END CASE;
  -- a probability, or any finite mean for a gaussian model
  IF f IS NOT NULL AND NOT (f >= 0 AND f <= 1)
     AND NOT (f > '-Infinity' AND f < 'Infinity'
              AND fairglmm_info(m) -> 'options' ->> 'family' = 'gaussian') THEN
    RETURN 'bad value ' || f;
  END IF;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

-- Features of the right length for a model when it decodes (p from info).
CREATE FUNCTION rt_x(m bytea) RETURNS float8[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN ARRAY(SELECT 3 * sin(j) FROM generate_series(1, (fairglmm_info(m) ->> 'p')::int) AS j);
EXCEPTION WHEN OTHERS THEN
  RETURN '{0.5,-1,2}';
END $$;

-- One fit with a random x: in one row of valid data, or in every row; every
-- third fit has a continuous y.
CREATE FUNCTION rt_fit(xr float8[], k int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  method text := (ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm'])[k % 6 + 1];
  opts jsonb := jsonb_build_object('method', method, 'max_steps', 10);
  m bytea;
BEGIN
  IF method IN ('lr', 'fair_lr', 'crlr', 'fair_crlr') THEN
    opts := opts - 'max_steps';
  END IF;
  IF k % 3 = 2 THEN
    SELECT fairglmm_fit(x[1] + y::int, CASE WHEN id = 17 THEN xr ELSE x END, g, s, 0.5, 1, opts) INTO m FROM rt_data;
  ELSIF k % 2 = 0 THEN
    SELECT fairglmm_fit(y, CASE WHEN id = 17 THEN xr ELSE x END, g, s, 0.5, 1, opts) INTO m FROM rt_data;
  ELSE
    SELECT fairglmm_fit(y::int, xr, 'g' || g, s = 1, 0.5, 1, opts) INTO m FROM rt_data;
  END IF;
  IF m IS NULL THEN
    RETURN 'null';
  END IF;
  PERFORM fairglmm_info(m);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
