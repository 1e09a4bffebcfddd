-- disparate_impact(yhat, sensitive) = min(r, 1/r), r = P(yhat | s = 1) / P(yhat | s = 0),
-- from integer counts: every value shown is exact.  These are the two-group
-- cases of 1.0, which 1.1 (any number of groups) must keep; more groups,
-- weights and the other metrics are in fairness_metrics.
\set VERBOSITY default

-- rows with given counts: n0 rows with s = 0 (pos0 of them yhat), n1 with s = 1
CREATE FUNCTION di_rows(n0 int, pos0 int, n1 int, pos1 int)
RETURNS TABLE (yhat boolean, s boolean) LANGUAGE sql IMMUTABLE AS $$
  SELECT i <= pos0, false FROM generate_series(1, n0) AS i
  UNION ALL
  SELECT i <= pos1, true FROM generate_series(1, n1) AS i $$;

-- the cases of src/core/metrics.c, with all four argument type combinations
CREATE TABLE di_cases (k int, name text, n0 int, pos0 int, n1 int, pos1 int);
INSERT INTO di_cases VALUES
  (1, 'no rows', 0, 0, 0, 0),
  (2, 'no s = 0 rows', 0, 0, 4, 2),
  (3, 'no s = 1 rows', 4, 2, 0, 0),
  (4, 'both rates zero', 4, 0, 6, 0),
  (5, 'both rates one', 4, 4, 6, 6),
  (6, 'equal rates', 4, 2, 8, 4),
  (7, 'rate s = 0 zero', 4, 0, 4, 2),
  (8, 'rate s = 1 zero', 4, 2, 4, 0),
  (9, 'rates 0.5, 0.25', 4, 2, 4, 1),
  (10, 'rates 0.25, 0.5', 4, 1, 4, 2),
  (11, 'rates 1, 0.25', 4, 4, 4, 1),
  (12, 'rates 0.75, 1', 8, 6, 2, 2),
  (13, 'rates 1/3, 2/3', 3, 1, 3, 2);
SELECT k, name, di_bool,
       di_bool IS NOT DISTINCT FROM di_int_yhat
       AND di_bool IS NOT DISTINCT FROM di_int_s
       AND di_bool IS NOT DISTINCT FROM di_int_both AS same_for_int_args
FROM di_cases,
     LATERAL (SELECT disparate_impact(yhat, s) AS di_bool,
                     disparate_impact(yhat::int, s) AS di_int_yhat,
                     disparate_impact(yhat, s::int) AS di_int_s,
                     disparate_impact(yhat::int, s::int) AS di_int_both
              FROM di_rows(n0, pos0, n1, pos1)) AS q
ORDER BY k;

-- a prediction other than 0 and 1 is an error
SELECT disparate_impact(v, 1) FROM (VALUES (0), (1), (2)) AS t(v);
SELECT disparate_impact(v, true) FROM (VALUES (0), (1), (7)) AS t(v);
-- since 1.1 an integer sensitive attribute names groups: -1, 0 and 1 are three
-- (1.0 refused values other than 0 and 1)
SELECT disparate_impact(y, v) AS three_groups
FROM (VALUES (1, 0), (0, 0), (1, -1), (1, 1), (0, 1), (0, 1), (1, 1)) AS t(y, v);

-- rows with a NULL are not counted (so a NULL beside an invalid value is no error)
SELECT disparate_impact(yhat, s) AS with_nulls
FROM (SELECT yhat, s FROM di_rows(4, 2, 4, 1)
      UNION ALL VALUES (NULL, true), (true, NULL), (NULL, NULL), (NULL, false)) AS q;
SELECT disparate_impact(yhat, s) AS with_nulls_int
FROM (VALUES (1, 0), (0, 0), (1, 1), (0, 1), (0, 1), (0, 1),
             (NULL, 1), (5, NULL), (NULL, NULL)) AS t(yhat, s);
SELECT disparate_impact(yhat, s) IS NULL AS only_nulls
FROM (VALUES (NULL::boolean, true), (true, NULL)) AS t(yhat, s);

-- GROUP BY
SELECT k, disparate_impact(yhat, s)
FROM di_cases, LATERAL di_rows(n0, pos0, n1, pos1)
WHERE k BETWEEN 4 AND 11
GROUP BY k ORDER BY k;

-- As a window function.  A sliding frame removes rows with the inverse
-- transition; every value must equal a recomputation over the same rows.
CREATE TABLE di_w AS
SELECT i AS id, i % 3 AS part,
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7) % 5 < 2 END AS yhat,
       CASE WHEN i % 23 = 0 THEN NULL ELSE (i * 3) % 4 = 0 END AS s
FROM generate_series(1, 300) AS i;
SELECT count(*) AS frames, count(w) AS non_null, count(DISTINCT w) AS distinct_values,
       bool_and(w IS NOT DISTINCT FROM r) AS all_equal
FROM (SELECT a.id,
             disparate_impact(yhat, s) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w,
             (SELECT disparate_impact(b.yhat, b.s) FROM di_w b WHERE b.id BETWEEN a.id - 2 AND a.id) AS r
      FROM di_w a) AS q;
SELECT count(*) AS frames, count(w) AS non_null, count(DISTINCT w) AS distinct_values,
       bool_and(w IS NOT DISTINCT FROM r) AS all_equal
FROM (SELECT a.id,
             disparate_impact(yhat::int, s::int) OVER (ORDER BY id ROWS BETWEEN 10 PRECEDING AND 5 FOLLOWING) AS w,
             (SELECT disparate_impact(b.yhat::int, b.s::int) FROM di_w b WHERE b.id BETWEEN a.id - 10 AND a.id + 5) AS r
      FROM di_w a) AS q;
SELECT count(*) AS frames, count(w) AS non_null, bool_and(w IS NOT DISTINCT FROM r) AS all_equal
FROM (SELECT a.id,
             disparate_impact(yhat, s) OVER (PARTITION BY part ORDER BY id ROWS BETWEEN 4 PRECEDING AND 1 PRECEDING) AS w,
             (SELECT disparate_impact(b.yhat, b.s) FROM di_w b
              WHERE b.part = a.part AND b.id < a.id AND b.id >= a.id - 12) AS r
      FROM di_w a) AS q;
-- the running value over all rows so far (no inverse transition)
SELECT count(*) AS frames, bool_and(w IS NOT DISTINCT FROM r) AS all_equal
FROM (SELECT a.id, disparate_impact(yhat, s) OVER (ORDER BY id) AS w,
             (SELECT disparate_impact(b.yhat, b.s) FROM di_w b WHERE b.id <= a.id) AS r
      FROM di_w a) AS q;

-- Parallel aggregation: partial states from the workers are combined.
CREATE TABLE di_big AS
SELECT i AS id, i % 7 < 3 AS yhat, i % 5 = 0 AS s, i % 4 AS grp
FROM generate_series(1, 100000) AS i;
ANALYZE di_big;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE di_serial AS
SELECT disparate_impact(yhat, s) AS di, disparate_impact(yhat::int, s::int) AS di_int FROM di_big;
CREATE TEMP TABLE di_serial_grp AS
SELECT grp, disparate_impact(yhat, s) AS di FROM di_big GROUP BY grp;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT disparate_impact(yhat, s) FROM di_big;
SELECT p.di = s.di AS parallel_equals_serial, p.di_int = s.di_int AS int_parallel_equals_serial,
       p.di = (SELECT least(r1 / r0, r0 / r1)
               FROM (SELECT count(*) FILTER (WHERE s AND yhat)::float8 / count(*) FILTER (WHERE s) AS r1,
                            count(*) FILTER (WHERE NOT s AND yhat)::float8 / count(*) FILTER (WHERE NOT s) AS r0
                     FROM di_big) AS c)
       AS equals_sql_counts
FROM (SELECT disparate_impact(yhat, s) AS di, disparate_impact(yhat::int, s::int) AS di_int
      FROM di_big) AS p, di_serial AS s;
SELECT count(*) AS groups, bool_and(p.di = s.di) AS grouped_parallel_equals_serial
FROM (SELECT grp, disparate_impact(yhat, s) AS di FROM di_big GROUP BY grp) AS p
     JOIN di_serial_grp AS s USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- predictions of a fair model are fairer than those of an unfair one
CREATE TABLE di_models AS
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') AS crlr,
       fairglmm_fit(y, x, g, s, 50, 1, '{"method": "fair_crlr"}') AS fair
FROM d;
SELECT disparate_impact(fairglmm_classify(fair, x, g), s)
       > disparate_impact(fairglmm_classify(crlr, x, g), s) AS fair_is_fairer,
       disparate_impact(fairglmm_classify(fair, x, g), s::boolean)
       = disparate_impact(fairglmm_classify(fair, x, g), s) AS boolean_s_same
FROM d, di_models;

-- the 1.0 signatures are those of 1.1: the same state and functions as the
-- "any" signature (whose state is internal, so it cannot be forged in SQL)
SELECT count(*) AS signatures, count(DISTINCT a.aggtransfn) AS transition_functions,
       count(DISTINCT a.aggfinalfn) AS final_functions,
       bool_and(a.aggtranstype = 'internal'::regtype) AS internal_state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.proname = 'disparate_impact' AND p.pronargs = 2;
