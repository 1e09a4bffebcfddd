-- The bad-input matrix of fairglmm_fit: every argument and every option in
-- turn, with wrong types (via the overloads), NULLs, out-of-range values and
-- degenerate data.  Each case prints its outcome on one line: the SQLSTATE,
-- message and detail of the error, or "ok" with the model's shape, or NULL.
-- docs/edge-cases.md lists the same behaviours; the
-- original cases with their hints stay in bad_input.sql.
\set VERBOSITY default

-- Run one fit query; describe its outcome.
CREATE FUNCTION bim_try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m bytea;
  i jsonb;
  st text;
  msg text;
  det text;
BEGIN
  EXECUTE q INTO m;
  IF m IS NULL THEN
    RETURN 'NULL';
  END IF;
  i := fairglmm_info(m);
  RETURN format('ok: %s%s, p %s, strata %s, rows %s used / %s skipped%s',
                i ->> 'method',
                CASE WHEN i -> 'options' ->> 'family' = 'gaussian' THEN ' (gaussian)' ELSE '' END,
                i ->> 'p', i ->> 'n_strata', i ->> 'rows_used', i ->> 'rows_skipped',
                CASE WHEN (i ->> 'converged')::boolean THEN '' ELSE ', not converged' END);
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  -- where a numerical failure shows up depends on rounding: mask it
  IF st = '22003' THEN
    det := regexp_replace(det, '(column|was) -?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?', '\1 #', 'g');
  END IF;
  RETURN st || ': ' || msg || coalesce(' / ' || nullif(det, ''), '');
END $$;

-- a small table keeps the matrix fast: 600 rows, 30 strata
CREATE TABLE bim AS SELECT * FROM d WHERE id <= 600;

CREATE TABLE bim_cases (k serial, arg text, what text, q text);
INSERT INTO bim_cases (arg, what, q) VALUES
-- y: boolean or integer 0/1 (binomial), or a continuous outcome (gaussian)
('y', 'boolean', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'integer 0/1', $$SELECT fairglmm_fit(y::int, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'smallint (cast to integer)', $$SELECT fairglmm_fit(y::int::int2, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'NULL in some rows', $$SELECT fairglmm_fit(CASE WHEN id % 10 = 0 THEN NULL ELSE y END, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'NULL in every row', $$SELECT fairglmm_fit(NULL::boolean, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'integer 2', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 2 ELSE y::int END, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'integer -1', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN -1 ELSE y::int END, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'one class only', $$SELECT fairglmm_fit(false, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'float8 (gaussian by default)', $$SELECT fairglmm_fit(y::int::float8, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'numeric (gaussian by default)', $$SELECT fairglmm_fit(y::int::numeric, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'text', $$SELECT fairglmm_fit(y::text, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'untyped literal', $$SELECT fairglmm_fit('1', x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
-- x: float8[], one dimension, the same length in every row, finite
('x', 'NULL in some rows', $$SELECT fairglmm_fit(y, CASE WHEN id % 10 = 0 THEN NULL ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'a NULL element in some rows', $$SELECT fairglmm_fit(y, CASE WHEN id % 10 = 0 THEN ARRAY[x[1], NULL, x[3]] ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'empty in every row (intercept only)', $$SELECT fairglmm_fit(y, '{}', g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'empty in one row', $$SELECT fairglmm_fit(y, CASE WHEN id = 9 THEN '{}' ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'longer in one row', $$SELECT fairglmm_fit(y, CASE WHEN id = 9 THEN x || 1.0::float8 ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'two dimensions', $$SELECT fairglmm_fit(y, ARRAY[x, x], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'lower bound 0', $$SELECT fairglmm_fit(y, ('[0:2]=' || x::text)::float8[], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'NaN', $$SELECT fairglmm_fit(y, CASE WHEN id = 9 THEN '{1,NaN,2}' ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'Infinity', $$SELECT fairglmm_fit(y, CASE WHEN id = 9 THEN '{Infinity,1,2}' ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', '-Infinity', $$SELECT fairglmm_fit(y, CASE WHEN id = 9 THEN '{1,2,-Infinity}' ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'integer[] (cast to float8[])', $$SELECT fairglmm_fit(y, x::int[], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'numeric[] (cast to float8[])', $$SELECT fairglmm_fit(y, x::numeric[], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'real[] (cast to float8[])', $$SELECT fairglmm_fit(y, x::real[], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'text[]', $$SELECT fairglmm_fit(y, x::text[], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'a scalar', $$SELECT fairglmm_fit(y, x[1], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', '100001 elements', $$SELECT fairglmm_fit(y, array_fill(id::float8, ARRAY[100001]), g, s, 0, 1, '{"method": "crlr"}') FROM bim WHERE id <= 2$$),
('x', '100000 elements (memory)', $$SELECT fairglmm_fit(y, array_fill(id::float8, ARRAY[100000]), g, s, 0, 1, '{"method": "crlr"}') FROM bim WHERE id <= 2$$),
('x', 'a constant feature', $$SELECT fairglmm_fit(y, x || 7.0::float8, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'an all-zero feature', $$SELECT fairglmm_fit(y, 0.0::float8 || x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'a duplicated feature', $$SELECT fairglmm_fit(y, x || x[2], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'values near 1e-100', $$SELECT fairglmm_fit(y, ARRAY[x[1] * 1e-100, x[2], x[3]], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'values near 1e100', $$SELECT fairglmm_fit(y, ARRAY[x[1] * 1e100, x[2], x[3]], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'values near 1e300', $$SELECT fairglmm_fit(y, ARRAY[x[1] * 1e300, x[2], x[3]], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'values near 1e-300', $$SELECT fairglmm_fit(y, ARRAY[x[1] * 1e-300, x[2], x[3]], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('x', 'separates the classes', $$SELECT fairglmm_fit(x[1] > 0.5, x, g, s, 0, 0, '{"method": "lr"}') FROM bim$$),
-- strata: integer, bigint or text
('strata', 'bigint', $$SELECT fairglmm_fit(y, x, g::bigint, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'text', $$SELECT fairglmm_fit(y, x, g::text, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'varchar (cast to text)', $$SELECT fairglmm_fit(y, x, g::varchar, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'smallint (ambiguous)', $$SELECT fairglmm_fit(y, x, g::int2, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'numeric', $$SELECT fairglmm_fit(y, x, g::numeric, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'NULL in some rows, crlr', $$SELECT fairglmm_fit(y, x, CASE WHEN id % 10 = 0 THEN NULL ELSE g END, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'NULL in some rows, lr (ignored)', $$SELECT fairglmm_fit(y, x, CASE WHEN id % 10 = 0 THEN NULL ELSE g END, s, 0, 1, '{"method": "lr"}') FROM bim$$),
('strata', 'NULL in every row, crlr', $$SELECT fairglmm_fit(y, x, NULL::int, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'one stratum', $$SELECT fairglmm_fit(y, x, 1, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'one row per stratum', $$SELECT fairglmm_fit(y, x, id, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'empty text label', $$SELECT fairglmm_fit(y, x, CASE WHEN g = 1 THEN '' ELSE g::text END, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'label of 4096 bytes', $$SELECT fairglmm_fit(y, x, repeat('s', 4090) || g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('strata', 'label of 4097 bytes', $$SELECT fairglmm_fit(y, x, repeat('s', 4097), s, 0, 1, '{"method": "crlr"}') FROM bim$$),
-- sensitive: boolean or integer 0/1
('sensitive', 'boolean', $$SELECT fairglmm_fit(y, x, g, s::boolean, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
('sensitive', 'smallint (cast to integer)', $$SELECT fairglmm_fit(y, x, g, s::int2, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
('sensitive', 'NULL in some rows', $$SELECT fairglmm_fit(y, x, g, CASE WHEN id % 10 = 0 THEN NULL ELSE s END, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
('sensitive', 'integer 2', $$SELECT fairglmm_fit(y, x, g, CASE WHEN id = 9 THEN 2 ELSE s END, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
('sensitive', 'constant, fair method', $$SELECT fairglmm_fit(y, x, g, 0, 0.8, 1, '{"method": "fair_lr"}') FROM bim$$),
('sensitive', 'constant, unfair method', $$SELECT fairglmm_fit(y, x, g, 0, 0, 1, '{"method": "lr"}') FROM bim$$),
('sensitive', 'float8', $$SELECT fairglmm_fit(y, x, g, s::float8, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
-- rho: float8 >= 0, the same in every row
('rho', 'NULL', $$SELECT fairglmm_fit(y, x, g, s, NULL, 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'negative', $$SELECT fairglmm_fit(y, x, g, s, -1, 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'NaN', $$SELECT fairglmm_fit(y, x, g, s, 'NaN', 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'Infinity', $$SELECT fairglmm_fit(y, x, g, s, 'Infinity', 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'minus zero', $$SELECT fairglmm_fit(y, x, g, s, '-0', 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'numeric (cast to float8)', $$SELECT fairglmm_fit(y, x, g, s, 0.8::numeric, 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'text', $$SELECT fairglmm_fit(y, x, g, s, '0.8'::text, 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'varies between rows', $$SELECT fairglmm_fit(y, x, g, s, id % 2, 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', 'NULL in one row only', $$SELECT fairglmm_fit(y, x, g, s, CASE WHEN id = 9 THEN NULL ELSE 0.8 END, 1, '{"method": "fair_crlr"}') FROM bim$$),
('rho', '1e20 (overflows the solver)', $$SELECT fairglmm_fit(y, x, g, s, 1e20, 1, '{"method": "fair_lr"}') FROM bim$$),
('rho', 'positive with an unfair method (ignored)', $$SELECT fairglmm_fit(y, x, g, s, 5, 1, '{"method": "crlr"}') FROM bim$$),
-- lambda: float8 >= 0 (> 0 with strata), the same in every row
('lambda', 'NULL', $$SELECT fairglmm_fit(y, x, g, s, 0, NULL, '{"method": "crlr"}') FROM bim$$),
('lambda', 'negative', $$SELECT fairglmm_fit(y, x, g, s, 0, -1, '{"method": "crlr"}') FROM bim$$),
('lambda', 'NaN', $$SELECT fairglmm_fit(y, x, g, s, 0, 'NaN', '{"method": "crlr"}') FROM bim$$),
('lambda', 'Infinity', $$SELECT fairglmm_fit(y, x, g, s, 0, 'Infinity', '{"method": "crlr"}') FROM bim$$),
('lambda', '0 with strata', $$SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "crlr"}') FROM bim$$),
('lambda', '0 with strata, boosting', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 0, '{"method": "fair_glmm"}') FROM bim$$),
('lambda', '0 without strata', $$SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM bim$$),
('lambda', '1e100', $$SELECT fairglmm_fit(y, x, g, s, 0, 1e100, '{"method": "crlr"}') FROM bim$$),
('lambda', 'varies between rows', $$SELECT fairglmm_fit(y, x, g, s, 0, id % 2 + 1, '{"method": "crlr"}') FROM bim$$),
-- options: a jsonb object, the same in every row
('options', 'NULL (the six-argument form)', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, NULL) FROM bim$$),
('options', 'empty object', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{}') FROM bim$$),
('options', 'an array', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '["crlr"]') FROM bim$$),
('options', 'a string', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '"crlr"') FROM bim$$),
('options', 'JSON null', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, 'null') FROM bim$$),
('options', 'text, not jsonb', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}'::text) FROM bim$$),
('options', 'invalid JSON', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": crlr}') FROM bim$$),
('options', 'unknown key', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "lambda": 2}') FROM bim$$),
('options', 'key in another case', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"Method": "crlr"}') FROM bim$$),
('options', 'duplicate key (the last wins)', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "method": "crlr"}') FROM bim$$),
('options', 'varies between rows', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, jsonb_build_object('method', CASE WHEN id = 9 THEN 'lr' ELSE 'crlr' END)) FROM bim$$),
('options', 'NULL in one row only', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, CASE WHEN id = 9 THEN NULL ELSE '{"method": "crlr"}'::jsonb END) FROM bim$$),
-- option method
('method', 'lr', $$SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM bim$$),
('method', 'fair_lr', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 0, '{"method": "fair_lr"}') FROM bim$$),
('method', 'crlr', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('method', 'fair_crlr', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
('method', 'glmm', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm"}') FROM bim$$),
('method', 'fair_glmm', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm"}') FROM bim$$),
('method', 'unknown', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "svm"}') FROM bim$$),
('method', 'upper case', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "CRLR"}') FROM bim$$),
('method', 'a number', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": 3}') FROM bim$$),
('method', 'JSON null', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": null}') FROM bim$$),
('method', 'an array', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": ["crlr"]}') FROM bim$$),
-- option c
('c', '0', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0}') FROM bim$$),
('c', 'negative', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": -0.1}') FROM bim$$),
('c', 'a string', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": "0.1"}') FROM bim$$),
('c', 'JSON null', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": null}') FROM bim$$),
('c', '1e400', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 1e400}') FROM bim$$),
('c', 'with an unfair method', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "c": 0.1}') FROM bim$$),
('c', 'with rho > 0', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_lr", "c": 0.1}') FROM bim$$),
('c', 'with boosting', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_glmm", "c": 0.1}') FROM bim$$),
-- option max_iter
('max_iter', '1 (stops early: WARNING)', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr", "max_iter": 1}') FROM bim$$),
('max_iter', '0', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "max_iter": 0}') FROM bim$$),
('max_iter', '100001', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "max_iter": 100001}') FROM bim$$),
('max_iter', '2.5', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "max_iter": 2.5}') FROM bim$$),
('max_iter', 'a string', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "max_iter": "10"}') FROM bim$$),
('max_iter', '-1e400', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "max_iter": -1e400}') FROM bim$$),
-- option tol
('tol', '0', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 0}') FROM bim$$),
('tol', 'negative', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": -1e-8}') FROM bim$$),
('tol', '1e-400 (0 in double precision)', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 1e-400}') FROM bim$$),
('tol', '1e300 (one step)', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 1e300}') FROM bim$$),
('tol', 'a boolean', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": true}') FROM bim$$),
-- option threshold
('threshold', '0', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": 0}') FROM bim$$),
('threshold', '1', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": 1}') FROM bim$$),
('threshold', '-0.1', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": -0.1}') FROM bim$$),
('threshold', '1.5', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": 1.5}') FROM bim$$),
('threshold', 'a string', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": "0.5"}') FROM bim$$),
-- option feature_names
('feature_names', 'valid', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b", "c"]}') FROM bim$$),
('feature_names', 'too few', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b"]}') FROM bim$$),
('feature_names', 'too many', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b", "c", "d"]}') FROM bim$$),
('feature_names', 'empty array', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": []}') FROM bim$$),
('feature_names', 'empty array, no features', $$SELECT fairglmm_fit(y, '{}', g, s, 0, 1, '{"method": "crlr", "feature_names": []}') FROM bim$$),
('feature_names', 'duplicate', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b", "a"]}') FROM bim$$),
('feature_names', '"intercept"', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "intercept", "c"]}') FROM bim$$),
('feature_names', 'empty name', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "", "c"]}') FROM bim$$),
('feature_names', 'name of 1024 bytes', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, jsonb_build_object('method', 'crlr', 'feature_names', jsonb_build_array('a', repeat('n', 1024), 'c'))) FROM bim$$),
('feature_names', 'name of 1025 bytes', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, jsonb_build_object('method', 'crlr', 'feature_names', jsonb_build_array('a', repeat('n', 1025), 'c'))) FROM bim$$),
('feature_names', 'a number element', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", 2, "c"]}') FROM bim$$),
('feature_names', 'a null element', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", null, "c"]}') FROM bim$$),
('feature_names', 'a nested array', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", ["b"], "c"]}') FROM bim$$),
('feature_names', 'a string', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": "a"}') FROM bim$$),
('feature_names', 'an object', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": {"a": 1}}') FROM bim$$),
('feature_names', 'a zero character', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b\u0000", "c"]}') FROM bim$$),
-- boosting options (glmm, fair_glmm)
('nu', '0', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "nu": 0}') FROM bim$$),
('nu', '1.5', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "nu": 1.5}') FROM bim$$),
('q0', '0', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "q0": 0}') FROM bim$$),
('tol_q', 'negative', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "tol_q": -1}') FROM bim$$),
('max_steps', '0', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 0}') FROM bim$$),
('max_steps', '100001', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 100001}') FROM bim$$),
('probes', '1001', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "probes": 1001}') FROM bim$$),
('seed', 'negative', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "seed": -1}') FROM bim$$),
('exact_trace', 'a string', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "exact_trace": "yes"}') FROM bim$$),
('nu', 'with a Newton method (ignored)', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "nu": 0.5, "probes": 5}') FROM bim$$),
-- degenerate data
('data', 'no rows', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim WHERE false$$),
('data', 'one row', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim WHERE id = 1$$),
('data', 'two rows, one per class, no features', $$SELECT fairglmm_fit(id = 1, '{}', g, s, 0, 1, '{"method": "crlr"}') FROM bim WHERE id <= 2$$),
('data', 'every y = 1 in one stratum', $$SELECT fairglmm_fit(y OR g = 1, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('data', 'sensitive constant within every stratum', $$SELECT fairglmm_fit(y, x, g, g % 2, 0.8, 1, '{"method": "fair_crlr"}') FROM bim$$),
('data', 'one row of the other sensitive group', $$SELECT fairglmm_fit(y, x, g, (id = 9)::int, 0.8, 1, '{"method": "fair_lr"}') FROM bim$$);

-- continuous outcomes: the types of y and option "family"
INSERT INTO bim_cases (arg, what, q) VALUES
('y', 'real (gaussian by default)', $$SELECT fairglmm_fit(x[1]::real, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'integer, family gaussian', $$SELECT fairglmm_fit((10 * x[1])::int, x[2:3], g, s, 0, 1, '{"method": "crlr", "family": "gaussian"}') FROM bim$$),
('y', 'bigint, family gaussian', $$SELECT fairglmm_fit((10 * x[1])::int8, x[2:3], g, s, 0, 1, '{"method": "crlr", "family": "gaussian"}') FROM bim$$),
('y', 'boolean, family gaussian', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "family": "gaussian"}') FROM bim$$),
('y', 'float8 0/1, family binomial', $$SELECT fairglmm_fit(y::int::float8, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM bim$$),
('y', 'numeric 0/1, family binomial', $$SELECT fairglmm_fit(y::int::numeric, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM bim$$),
('y', 'float8 0.5, family binomial', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 0.5 ELSE y::int END::float8, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM bim$$),
('y', 'float8 NaN', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 'NaN' ELSE x[1] END, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'float8 Infinity', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 'Infinity' ELSE x[1] END, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'float8 NaN, family binomial', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 'NaN'::float8 ELSE y::int::float8 END, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM bim$$),
('y', 'numeric NaN', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 'NaN' ELSE x[1]::numeric END, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'numeric -Infinity', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN '-Infinity' ELSE x[1]::numeric END, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'numeric 1e400', $$SELECT fairglmm_fit(CASE WHEN id = 9 THEN 1e400 ELSE x[1]::numeric END, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'float8 NULL in some rows', $$SELECT fairglmm_fit(CASE WHEN id % 10 = 0 THEN NULL ELSE x[1] END, x[2:3], g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('y', 'float8 constant', $$SELECT fairglmm_fit(2.5::float8, x, g, s, 0, 1, '{"method": "crlr"}') FROM bim$$),
('family', 'unknown', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "family": "poisson"}') FROM bim$$),
('family', 'a number', $$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "family": 1}') FROM bim$$),
('family', 'gaussian, equal_opportunity', $$SELECT fairglmm_fit(x[1], x[2:3], g, s, 0.8, 1, '{"method": "fair_crlr", "fairness": "equal_opportunity"}') FROM bim$$),
('family', 'gaussian, equalized_odds', $$SELECT fairglmm_fit(x[1], x[2:3], g, s, 0.8, 1, '{"method": "fair_lr", "fairness": "equalized_odds"}') FROM bim$$),
('family', 'gaussian, equal_opportunity, unfair method (ignored)', $$SELECT fairglmm_fit(x[1], x[2:3], g, s, 0, 1, '{"method": "lr", "fairness": "equal_opportunity"}') FROM bim$$),
('family', 'gaussian, target', $$SELECT fairglmm_fit(x[1], x[2:3], g, s, 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": 0.8}}') FROM bim$$),
('family', 'binomial, fair_threshold', $$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_threshold"}') FROM bim$$),
('family', 'float8 y, family binomial, fair_threshold', $$SELECT fairglmm_fit(y::int::float8, x, g, s, 0.8, 1, '{"method": "fair_threshold", "family": "binomial"}') FROM bim$$),
('family', 'gaussian, fair_threshold with c', $$SELECT fairglmm_fit(x[1], x[2:3], g, s, 0, 1, '{"method": "fair_threshold", "c": 0.01}') FROM bim$$),
('family', 'gaussian, folds of a path', $$SELECT fairglmm_path(x[1], x[2:3], g, s, ARRAY[0, 1]::float8[], 1, '{"method": "fair_crlr", "folds": 3}') FROM bim$$);

SELECT k, arg, what, bim_try(q) AS outcome FROM bim_cases ORDER BY k;

-- documented behaviours checked on values, not only on shapes
CREATE FUNCTION bim_coef(m bytea) RETURNS float8[] LANGUAGE sql AS $$
  SELECT array_agg(estimate) FROM fairglmm_coefficients(m) $$;
-- unfair methods ignore rho; methods without strata ignore lambda and strata
SELECT bim_coef(fairglmm_fit(y, x, g, s, 5, 1, '{"method": "crlr"}'))
       = bim_coef(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}')) AS crlr_ignores_rho,
       bim_coef(fairglmm_fit(y, x, g, s, 0, 7, '{"method": "lr"}'))
       = bim_coef(fairglmm_fit(y, x, NULL::int, s, 0, 0, '{"method": "lr"}')) AS lr_ignores_lambda_and_strata
FROM bim;
-- a row with a NULL is left out: the same model as without that row
SELECT bim_coef(a) = bim_coef(b) AS skipping_equals_filtering
FROM (SELECT fairglmm_fit(y, CASE WHEN id % 7 = 0 THEN NULL ELSE x END, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS a
      FROM bim) AS qa,
     (SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS b FROM bim WHERE id % 7 <> 0) AS qb;
-- x with lower bound 0 is read in order: the same model
SELECT bim_coef(fairglmm_fit(y, ('[0:2]=' || x::text)::float8[], g, s, 0, 1, '{"method": "crlr"}'))
       = bim_coef(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}')) AS lower_bound_ignored
FROM bim;
-- a feature scaled by 1e-100 or 1e100 gets its coefficient scaled back
SELECT k, abs((bim_coef(m))[2] * k / (bim_coef(m0))[2] - 1) < 1e-8 AS same_coefficient
FROM (SELECT k, fairglmm_fit(y, ARRAY[x[1] * k, x[2], x[3]], g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m,
             fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m0
      FROM bim, unnest(ARRAY[1e-100, 1e100]::float8[]) AS k GROUP BY k) AS q
ORDER BY k;

-- the aggregate's support functions are not for direct calls
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') OVER () FROM bim LIMIT 1;
SELECT fairglmm_fit_finalfn(NULL::internal);
