-- fairglmm_train: the fit in passes over a table or query equals
-- fairglmm_fit on the same rows (1e-8) for every Newton method and option;
-- safe dynamic SQL; what it refuses.  Table d comes from setup.
\set VERBOSITY default

-- The largest difference between two models, relative to max(1, |value|),
-- over every number fairglmm_info shows (coefficients, objective,
-- likelihoods, training metrics, fairness terms, ...) and over the
-- covariance matrix and the random effects with their standard errors.
-- The Newton iterations and the final gradient norm (a few e-8, the
-- solver's stopping rule) depend on the path taken and are left out.
CREATE FUNCTION train_json_diff(a jsonb, b jsonb) RETURNS float8
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  r float8 := 0;
  k text;
BEGIN
  IF jsonb_typeof(a) IS DISTINCT FROM jsonb_typeof(b) THEN
    RETURN 'Infinity';
  END IF;
  CASE jsonb_typeof(a)
    WHEN 'object' THEN
      IF (SELECT array_agg(x ORDER BY x) FROM jsonb_object_keys(a) AS x)
         IS DISTINCT FROM (SELECT array_agg(x ORDER BY x) FROM jsonb_object_keys(b) AS x) THEN
        RETURN 'Infinity';
      END IF;
      FOR k IN SELECT jsonb_object_keys(a) LOOP
        IF k NOT IN ('created_at', 'gradient_norm', 'iterations') THEN
          r := greatest(r, train_json_diff(a -> k, b -> k));
        END IF;
      END LOOP;
    WHEN 'array' THEN
      IF jsonb_array_length(a) <> jsonb_array_length(b) THEN
        RETURN 'Infinity';
      END IF;
      FOR i IN 0 .. jsonb_array_length(a) - 1 LOOP
        r := greatest(r, train_json_diff(a -> i, b -> i));
      END LOOP;
    WHEN 'number' THEN
      r := abs((a #>> '{}')::float8 - (b #>> '{}')::float8)
           / greatest(1, abs((a #>> '{}')::float8));
    ELSE
      IF a <> b THEN
        RETURN 'Infinity';
      END IF;
  END CASE;
  RETURN r;
END $$;

CREATE FUNCTION train_model_diff(a bytea, b bytea) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT greatest(
    train_json_diff(fairglmm_info(a), fairglmm_info(b)),
    (SELECT coalesce(max(abs(x.covariance - y.covariance) / greatest(1, abs(x.covariance))), 0)
     FROM fairglmm_vcov(a) AS x FULL JOIN fairglmm_vcov(b) AS y USING (row_term, col_term)),
    (SELECT coalesce(max(greatest(abs(x.effect - y.effect) / greatest(1, abs(x.effect)),
                                  abs(x.std_error - y.std_error) / greatest(1, abs(x.std_error)),
                                  abs(x.n - y.n))), 0)
     FROM fairglmm_random_effects(a) AS x FULL JOIN fairglmm_random_effects(b) AS y USING (stratum)))
$$;

-- a second table: text strata, two categorical attributes (one rare
-- category), survey weights, a continuous outcome, rows with NULLs
SELECT setseed(0.31);
CREATE TABLE train_dt AS
SELECT id, 'area ' || g AS area, y, s::boolean AS s_bool, x,
       (ARRAY['north', 'south', 'east', 'west'])[1 + (id * 7 % 23 % 4)] AS region,
       CASE WHEN id % 41 = 0 THEN 'other' WHEN id % 3 = 0 THEN 'b' ELSE 'a' END AS lang,
       0.3 + 2 * random() AS w,
       2 + x[1] - 0.5 * x[2] + s + sin(g) + random() AS income
FROM d;
UPDATE train_dt SET x = NULL WHERE id % 97 = 0;
UPDATE train_dt SET w = NULL WHERE id % 89 = 0;
CREATE VIEW train_dt_view AS SELECT * FROM train_dt WHERE id > 100;

-- every Newton method, both families, the options that change the solver
CREATE TABLE train_cases (name text, y text, strata text, sensitive text, weight text,
                    rho float8, lambda float8, options jsonb);
INSERT INTO train_cases VALUES
  ('lr',                      'y', 'g', 's', NULL, 0, 0, '{"method": "lr"}'),
  ('fair_lr',                 'y', 'g', 's', NULL, 5, 0, '{"method": "fair_lr"}'),
  ('crlr',                    'y', 'g', 's', NULL, 0, 1, '{"method": "crlr"}'),
  ('fair_crlr',               'y', 'g', 's', NULL, 10, 1, '{"method": "fair_crlr"}'),
  ('fair_crlr robust',        'y', 'g', 's', NULL, 10, 1, '{"method": "fair_crlr", "vcov": "robust"}'),
  ('lr robust',               'y', 'g', 's', NULL, 0, 0, '{"method": "lr", "vcov": "robust"}'),
  ('fair_crlr vcov none',     'y', 'g', 's', NULL, 10, 1, '{"method": "fair_crlr", "vcov": "none"}'),
  ('fair_crlr l2',            'y', 'g', 's', NULL, 10, 1, '{"method": "fair_crlr", "l2": 0.3}'),
  ('constrained',             'y', 'g', 's', NULL, 0, 1, '{"method": "fair_crlr", "c": 0.01}'),
  ('equal opportunity',       'y', 'g', 's', NULL, 10, 1, '{"method": "fair_crlr", "fairness": "equal_opportunity"}'),
  ('threshold 0.3',           'y', 'g', 's', NULL, 10, 1, '{"method": "fair_crlr", "threshold": 0.3}');
INSERT INTO train_cases VALUES
  ('text strata, boolean s',  'y', 'area', 's_bool', NULL, 4, 1, '{"method": "fair_crlr"}'),
  ('categorical',             'y', 'area', 'region', NULL, 4, 1, '{"method": "fair_crlr"}'),
  ('two attributes, odds',    'y', 'area', 'ARRAY[region, lang]', NULL, 4, 1, '{"method": "fair_crlr", "fairness": "equalized_odds"}'),
  ('constrained categorical', 'y', 'area', 'region', NULL, 0, 1, '{"method": "fair_lr", "c": 0.005}'),
  ('weighted',                'y', 'area', 'region', 'w', 4, 1, '{"method": "fair_crlr"}'),
  ('weights as given',        'y', 'area', 's_bool', 'w', 4, 1, '{"method": "fair_crlr", "weights": "as_given", "vcov": "robust"}'),
  ('gaussian lr',             'income', 'area', 's_bool', NULL, 0, 0, '{"method": "lr"}'),
  ('gaussian fair_crlr',      'income', 'area', 'region', 'w', 3, 1, '{"method": "fair_crlr"}'),
  ('feature names',           'y', 'area', 'lang', NULL, 2, 1, '{"method": "fair_lr", "feature_names": ["a", "b", "c"]}');

-- fairglmm_fit with the same arguments, as an aggregate over the same source
CREATE FUNCTION train_fit_case(src text, c train_cases) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE m bytea;
BEGIN
  EXECUTE format('SELECT fairglmm_fit(%s, x, %s, %s, %s%s, %s, %L) FROM %s',
                 c.y, c.strata, c.sensitive,
                 coalesce(c.weight || ', ', ''), c.rho, c.lambda, c.options, src) INTO m;
  RETURN m;
END $$;

-- a source of computed columns for the sensitive arrays: train takes column names
CREATE VIEW train_dt_cols AS SELECT *, ARRAY[region, lang] AS region_lang FROM train_dt;

SELECT name,
       train_model_diff(fairglmm_train(src, c.y, 'x', c.strata,
                                 CASE WHEN c.sensitive LIKE 'ARRAY%' THEN 'region_lang' ELSE c.sensitive END,
                                 c.weight, c.rho, c.lambda, c.options),
                  train_fit_case(src, c)) < 1e-8 AS same_model
FROM train_cases AS c,
     LATERAL (SELECT CASE WHEN c.strata = 'g' THEN 'd' ELSE 'train_dt_cols' END AS src) AS s
ORDER BY name;

-- a query source, a view, and a schema-qualified name
SELECT train_model_diff(fairglmm_train('SELECT * FROM train_dt WHERE id % 5 <> 0', 'y', 'x', 'area', 'region', 3, 1,
                                 '{"method": "fair_crlr"}'),
                  (SELECT fairglmm_fit(y, x, area, region, 3, 1, '{"method": "fair_crlr"}')
                   FROM train_dt WHERE id % 5 <> 0)) < 1e-8 AS query_source,
       train_model_diff(fairglmm_train('train_dt_view', 'y', 'x', 'area', 'region', 3, 1, '{"method": "fair_crlr"}'),
                  (SELECT fairglmm_fit(y, x, area, region, 3, 1, '{"method": "fair_crlr"}') FROM train_dt_view)) < 1e-8
         AS view_source,
       length(fairglmm_train('public.d', 'y', 'x', 'g', 's', 0, 1)) > 0 AS qualified_name;

-- rows with NULLs are skipped and counted as fairglmm_fit skips them
SELECT fairglmm_info(m) -> 'rows_used' AS rows_used, fairglmm_info(m) -> 'rows_skipped' AS rows_skipped
FROM (SELECT fairglmm_train('train_dt', 'y', 'x', 'area', 'region', 'w', 1, 1) AS m) AS q;

-- parallel workers each add up their share of every pass
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT fairglmm_train_pass(y, x, g, s, 1, NULL) FROM d;
SELECT train_model_diff(fairglmm_train('d', 'y', 'x', 'g', 's', 10, 1, '{"method": "fair_crlr", "vcov": "robust"}'),
                  train_fit_case('d', c)) < 1e-8 AS parallel_same
FROM train_cases AS c WHERE name = 'fair_crlr robust';
SELECT train_model_diff(fairglmm_train('train_dt_cols', 'y', 'x', 'area', 'region_lang', 'w', 4, 1,
                                 '{"method": "fair_crlr", "fairness": "equalized_odds"}'),
                  (SELECT fairglmm_fit(y, x, area, ARRAY[region, lang], w, 4, 1,
                                       '{"method": "fair_crlr", "fairness": "equalized_odds"}') FROM train_dt)) < 1e-8
         AS parallel_categorical;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;

-- what needs every row at once is refused before any pass, naming fairglmm_fit
SELECT fairglmm_train('d', 'y', 'x', 'g', 's', 1, 1, '{"method": "fair_glmm"}');
SELECT fairglmm_train('train_dt', 'income', 'x', 'area', 's_bool', 1, 1, '{"method": "fair_threshold"}');
SELECT fairglmm_train('d', 'y', 'x', 'g', 's', 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": 0.9}}');
SELECT fairglmm_train('d', 'y', 'x', NULL, 's', 0, 1, '{"method": "crlr"}');

-- the row checks of fairglmm_fit
CREATE TABLE train_bad AS SELECT * FROM d;
UPDATE train_bad SET x = ARRAY[1, 2] WHERE id = 77;
SELECT fairglmm_train('train_bad', 'y', 'x', 'g', 's', 0, 1);
UPDATE train_bad SET x = ARRAY[1, 'NaN'::float8, 3] WHERE id = 77;
SELECT fairglmm_train('train_bad', 'y', 'x', 'g', 's', 0, 1);
CREATE TABLE train_bad_y AS SELECT id, g, s, x, (id % 3)::int AS y FROM d;
SELECT fairglmm_train('train_bad_y', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('SELECT * FROM d WHERE y', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('SELECT * FROM d WHERE false', 'y', 'x', 'g', 's', 0, 1) IS NULL AS no_rows;
CREATE TABLE train_sep AS SELECT id, g, s, x || ARRAY[(y AND id % 4 = 0)::int::float8] AS x, y FROM d;
SELECT fairglmm_info(fairglmm_train('train_sep', 'y', 'x', 'g', 's', 0, 1, '{"method": "crlr"}')) -> 'separated_rows'
         AS train_separated,
       (SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}')) -> 'separated_rows' FROM train_sep)
         AS fit_separated;
CREATE TABLE train_collinear AS SELECT id, g, s, y, x || ARRAY[2 * x[1] - x[3]] AS x FROM d;
SELECT fairglmm_train('train_collinear', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr"}') FROM train_collinear;
SELECT fairglmm_train('d', 'y', 'ARRAY[1.0]', 'g', 's', 0, 1);
SELECT fairglmm_train('d', 'y', 'id', 'g', 's', 0, 1);
-- a source that returns other rows each time it runs is caught between passes
CREATE SEQUENCE train_shifting;
SELECT fairglmm_train('SELECT * FROM d ORDER BY id LIMIT 1000 + nextval(''train_shifting'')', 'y', 'x', 'g', 's', 0, 1);

-- safe dynamic SQL: names are quoted identifiers, never SQL
CREATE TABLE train_victim (v int);
SELECT fairglmm_train('d', 'y); DROP TABLE train_victim; --', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('d; DROP TABLE train_victim', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('SELECT * FROM d; DROP TABLE train_victim', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('SELECT * FROM d) AS q, (SELECT 1', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('SELECT * FROM d --', 'y', 'x', 'g', 's', 0, 1) IS NOT NULL AS comment_harmless;
SELECT fairglmm_train('no_such_table', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('INSERT INTO train_victim VALUES (1) RETURNING 1', 'y', 'x', 'g', 's', 0, 1);
SELECT count(*) AS victim_intact FROM train_victim;
-- a column whose name needs quoting is found by that name
ALTER TABLE train_bad_y RENAME COLUMN y TO "y); DROP TABLE train_victim; --";
UPDATE train_bad_y SET "y); DROP TABLE train_victim; --" = (id % 2);
SELECT length(fairglmm_train('train_bad_y', 'y); DROP TABLE train_victim; --', 'x', 'g', 's', 0, 1)) > 0
         AS odd_name_works;

-- the caller's privileges: no SELECT, no training; the functions are not SECURITY DEFINER
SELECT prosecdef FROM pg_proc WHERE proname = 'fairglmm_train' GROUP BY prosecdef;
CREATE ROLE regress_fairglmm_trainer NOSUPERUSER;
SET ROLE regress_fairglmm_trainer;
SELECT fairglmm_train('d', 'y', 'x', 'g', 's', 0, 1);
SELECT fairglmm_train('SELECT * FROM d', 'y', 'x', 'g', 's', 0, 1);
RESET ROLE;
GRANT SELECT ON d TO regress_fairglmm_trainer;
SET ROLE regress_fairglmm_trainer;
SELECT length(fairglmm_train('d', 'y', 'x', 'g', 's', 0, 1)) > 0 AS trains_with_select;
RESET ROLE;
REVOKE SELECT ON d FROM regress_fairglmm_trainer;
DROP ROLE regress_fairglmm_trainer;

-- the pass aggregate checks what it is handed
SELECT fairglmm_train_pass(y, x, g, s, 1, '\x00'::bytea) FROM d;
SELECT fairglmm_train_pass(y, x, g, s, 1, NULL) FROM d;
SELECT fairglmm_train_pass_combinefn('\x0102'::bytea, '\x0304'::bytea);
SELECT length(fairglmm_train_pass_finalfn('\x0102'::bytea)) AS finalfn_returns_bytes;
