-- The reporting aggregates of 1.1: disparate_impact over k groups and with
-- weights, demographic_parity_difference, equal_opportunity_ratio/_difference,
-- equalized_odds_ratio/_difference, fairness_report and fairness_by_group,
-- parity_ks, parity_gap, fairglmm_seen.  Numbers are compared with
-- tolerances and printed as booleans; counts are exact.
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- Against the reference: values computed with numpy alone, by fairlearn's
-- definitions and the seed's (test/reference/make_metrics_reference.py,
-- committed in test/data/; tools/test.sh checks that the script still makes
-- them).  Three data sets: 2 groups, 4 groups with tied scores and some zero
-- weights, 4 groups of which one has no positives and one no negatives.
-- ---------------------------------------------------------------------------
CREATE TABLE fm_rows (set text, id int, yhat int, y int, s text, score float8, w float8);
CREATE TABLE fm_ref (set text, weighted boolean, metric text, value float8, thresholds float8[]);
CREATE TABLE fm_groups (set text, weighted boolean, "group" text, rows bigint, weight float8,
                        selection_rate float8, tpr float8, fpr float8, "precision" float8,
                        accuracy float8);
\copy fm_rows FROM 'test/data/metrics_data.csv' WITH (FORMAT csv, HEADER)
\copy fm_ref FROM 'test/data/metrics_ref.csv' WITH (FORMAT csv, HEADER)
\copy fm_groups FROM 'test/data/metrics_groups.csv' WITH (FORMAT csv, HEADER)
SELECT set, count(*) AS rows, count(DISTINCT s) AS groups, count(*) FILTER (WHERE w = 0) > 0 AS zero_weights
FROM fm_rows GROUP BY set ORDER BY set;

-- every metric by every aggregate, unweighted (weight 1) and weighted
CREATE TABLE fm_got AS
WITH thr AS (SELECT DISTINCT thresholds AS t FROM fm_ref WHERE metric = 'parity_gap'),
unweighted AS (
  SELECT set, false AS weighted,
         disparate_impact(yhat, s) AS disparate_impact,
         demographic_parity_difference(yhat, s) AS demographic_parity_difference,
         equal_opportunity_ratio(yhat, y, s) AS equal_opportunity_ratio,
         equal_opportunity_difference(yhat, y, s) AS equal_opportunity_difference,
         equalized_odds_ratio(yhat, y, s) AS equalized_odds_ratio,
         equalized_odds_difference(yhat, y, s) AS equalized_odds_difference,
         parity_ks(score, s) AS parity_ks,
         parity_gap(score, s, (SELECT t FROM thr)) AS parity_gap,
         fairness_report(yhat, y, s) AS report
  FROM fm_rows GROUP BY set),
weighted AS (
  SELECT set, true,
         disparate_impact(yhat, s, w), demographic_parity_difference(yhat, s, w),
         equal_opportunity_ratio(yhat, y, s, w), equal_opportunity_difference(yhat, y, s, w),
         equalized_odds_ratio(yhat, y, s, w), equalized_odds_difference(yhat, y, s, w),
         parity_ks(score, s, w), parity_gap(score, s, (SELECT t FROM thr), w),
         fairness_report(yhat, y, s, w)
  FROM fm_rows GROUP BY set)
SELECT * FROM unweighted UNION ALL SELECT * FROM weighted;

CREATE TABLE fm_long AS
SELECT set, weighted, m.metric, m.value, m.from_report
FROM fm_got,
LATERAL (VALUES
  ('disparate_impact', disparate_impact, (report ->> 'disparate_impact')::float8),
  ('demographic_parity_difference', demographic_parity_difference, (report ->> 'demographic_parity_difference')::float8),
  ('equal_opportunity_ratio', equal_opportunity_ratio, (report ->> 'equal_opportunity_ratio')::float8),
  ('equal_opportunity_difference', equal_opportunity_difference, (report ->> 'equal_opportunity_difference')::float8),
  ('equalized_odds_ratio', equalized_odds_ratio, (report ->> 'equalized_odds_ratio')::float8),
  ('equalized_odds_difference', equalized_odds_difference, (report ->> 'equalized_odds_difference')::float8),
  ('parity_ks', parity_ks, parity_ks),
  ('parity_gap', parity_gap, parity_gap)) AS m(metric, value, from_report);

-- each within 1e-12 of the reference; the report's numbers are the aggregates' to the bit
SELECT r.set, r.weighted, count(*) AS metrics,
       bool_and(abs(g.value - r.value) <= 1e-12) AS all_within_1e_12,
       string_agg(r.metric, ', ') FILTER (WHERE NOT abs(g.value - r.value) <= 1e-12) AS off,
       bool_and(g.value = g.from_report) AS report_equals_aggregates
FROM fm_ref r JOIN fm_long g USING (set, weighted, metric)
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT max(abs(g.value - r.value)) < 1e-12 AS largest_difference_below_1e_12
FROM fm_ref r JOIN fm_long g USING (set, weighted, metric);

-- per group: fairness_by_group against the reference's group rates
SELECT r.set, r.weighted, count(*) AS groups,
       bool_and(g.rows = r.rows) AS rows_equal,
       bool_and(abs(g.weight - r.weight) <= 1e-12 * greatest(1, r.weight)) AS weights,
       bool_and(abs(g.selection_rate - r.selection_rate) <= 1e-12) AS selection,
       bool_and(abs(g.tpr - r.tpr) <= 1e-12 OR (g.tpr IS NULL AND r.tpr IS NULL)) AS tpr,
       bool_and(abs(g.fpr - r.fpr) <= 1e-12 OR (g.fpr IS NULL AND r.fpr IS NULL)) AS fpr,
       bool_and(abs(g."precision" - r."precision") <= 1e-12) AS "precision",
       bool_and(abs(g.accuracy - r.accuracy) <= 1e-12) AS accuracy,
       count(*) FILTER (WHERE g.tpr IS NULL) AS undefined_tpr,
       count(*) FILTER (WHERE g.fpr IS NULL) AS undefined_fpr
FROM fm_got f, fairness_by_group(f.report) g
JOIN fm_groups r ON r."group" = g."group"
WHERE r.set = f.set AND r.weighted = f.weighted
GROUP BY 1, 2 ORDER BY 1, 2;

-- the most and least favoured groups: the reference's highest and lowest selection rate
SELECT f.set, f.weighted, f.report ->> 'most_favoured' AS most, f.report ->> 'least_favoured' AS least,
       f.report ->> 'most_favoured' = (SELECT "group" FROM fm_groups r WHERE (r.set, r.weighted) = (f.set, f.weighted)
                                       ORDER BY selection_rate DESC LIMIT 1) AS most_ok,
       f.report ->> 'least_favoured' = (SELECT "group" FROM fm_groups r WHERE (r.set, r.weighted) = (f.set, f.weighted)
                                        ORDER BY selection_rate LIMIT 1) AS least_ok
FROM fm_got f ORDER BY 1, 2;

-- the report's totals and overall rates
SELECT f.set, f.weighted, (f.report ->> 'rows')::bigint = (SELECT count(*) FROM fm_rows r WHERE r.set = f.set) AS rows_ok,
       abs((f.report ->> 'weight')::float8 - (SELECT CASE WHEN f.weighted THEN sum(w) ELSE count(*) END
                                               FROM fm_rows r WHERE r.set = f.set)) < 1e-9 AS weight_ok,
       abs((f.report -> 'overall' ->> 'accuracy')::float8
           - (SELECT sum(CASE WHEN f.weighted THEN w ELSE 1 END * (yhat = y)::int) / sum(CASE WHEN f.weighted THEN w ELSE 1 END)
              FROM fm_rows r WHERE r.set = f.set)) < 1e-12 AS accuracy_ok
FROM fm_got f ORDER BY 1, 2;

-- ---------------------------------------------------------------------------
-- Argument types: yhat and y as boolean or any integer type, sensitive as
-- boolean, any integer type, text, varchar or a domain: the same values.
-- ---------------------------------------------------------------------------
CREATE DOMAIN fm_label AS text;
SELECT bool_and(v = v0) AS all_the_same, count(*) AS variants
FROM (SELECT (SELECT disparate_impact(yhat, s::int) FROM fm_rows WHERE set = 'two') AS v0) AS ref,
LATERAL (SELECT unnest(ARRAY[
    disparate_impact(yhat = 1, s::int), disparate_impact(yhat::smallint, s::int),
    disparate_impact(yhat::bigint, s::int), disparate_impact(yhat, s::smallint),
    disparate_impact(yhat, s::bigint), disparate_impact(yhat, s = '1'), disparate_impact(yhat, s),
    disparate_impact(yhat, s::varchar), disparate_impact(yhat, s::fm_label),
    disparate_impact(yhat = 1, s = '1', 1), disparate_impact(yhat, s, w * 0 + 2.5)]) AS v
        FROM fm_rows WHERE set = 'two') AS q;
SELECT equalized_odds_ratio(yhat = 1, y, s) = equalized_odds_ratio(yhat, y = 1, s::varchar) AS mixed_label_types,
       fairness_report(yhat::bigint, y::smallint, s) = fairness_report(yhat, y, s) AS report_types
FROM fm_rows WHERE set = 'four';
-- group keys in the report keep their type
SELECT fairness_report(yhat, y, s::int) -> 'groups' -> 0 -> 'group' AS int_key,
       fairness_report(yhat, y, s = '1') -> 'groups' -> 1 -> 'group' AS bool_key,
       fairness_report(yhat, y, s) -> 'groups' -> 0 -> 'group' AS text_key
FROM fm_rows WHERE set = 'two';
-- an untyped literal is text (where no 1.0 signature of disparate_impact takes it)
SELECT disparate_impact(yhat::bigint, 'all') AS one_literal_group,
       fairness_report(yhat, y, 'all') -> 'groups' -> 0 -> 'group' AS literal_key
FROM fm_rows;

-- wrong types and values
SELECT disparate_impact(score, s) FROM fm_rows;
SELECT disparate_impact(yhat, score) FROM fm_rows;
SELECT equal_opportunity_ratio(yhat, score, s) FROM fm_rows;
SELECT disparate_impact(yhat + 1, s) FROM fm_rows;
SELECT equalized_odds_difference(yhat, y * 3, s) FROM fm_rows;
SELECT disparate_impact(yhat, repeat('x', 5000)) FROM fm_rows;
SELECT parity_ks(score, ARRAY[s]) FROM fm_rows;

-- ---------------------------------------------------------------------------
-- Edge cases, with exact counts.  fm_case(k) holds the rows of case k.
-- ---------------------------------------------------------------------------
CREATE TABLE fm_case (k int, yhat boolean, y boolean, s text, w float8, score float8);
INSERT INTO fm_case VALUES
  -- 1: only rows with a NULL somewhere
  (1, NULL, true, 'a', 1, 0.5), (1, true, NULL, 'a', 1, 0.5), (1, true, true, NULL, 1, NULL),
  -- 2: a single group
  (2, true, true, 'a', 1, 0.1), (2, false, false, 'a', 1, 0.9), (2, true, false, 'a', 1, 0.4),
  -- 3: three groups, every selection rate 0
  (3, false, true, 'a', 1, 0.1), (3, false, false, 'b', 1, 0.2), (3, false, true, 'c', 1, 0.3),
  -- 4: three groups, the smallest selection rate 0: ratio 0
  (4, false, true, 'a', 1, 0.1), (4, true, true, 'b', 1, 0.2), (4, true, false, 'c', 1, 0.3),
  (4, false, false, 'c', 1, 0.4),
  -- 5: group c has no positives: its TPR is undefined and left out
  (5, true, true, 'a', 1, 0.9), (5, false, true, 'a', 1, 0.2), (5, true, true, 'b', 1, 0.8),
  (5, true, false, 'b', 1, 0.7), (5, true, false, 'c', 1, 0.6), (5, false, false, 'c', 1, 0.1),
  -- 6: only group a has positives: no TPR comparison, so no equal opportunity or odds
  (6, true, true, 'a', 1, 0.9), (6, true, false, 'b', 1, 0.8), (6, false, false, 'c', 1, 0.1),
  -- 7: weights: zero weights count as rows but add nothing; a NULL weight drops the row
  (7, true, true, 'a', 2, 0.9), (7, false, true, 'a', 0, 0.1), (7, true, false, 'b', 1, 0.8),
  (7, false, false, 'b', 3, 0.2), (7, true, true, 'c', NULL, 0.5),
  -- 8: zero total weight
  (8, true, true, 'a', 0, 0.9), (8, false, false, 'b', 0, 0.1),
  -- 9: one group of zero weight beside two others: compared without it
  (9, true, true, 'a', 1, 0.9), (9, false, false, 'b', 1, 0.1), (9, true, false, 'c', 0, 0.5),
  -- 10: scores that tie across groups, and infinite scores
  (10, true, true, 'a', 1, 1), (10, true, true, 'a', 1, 2), (10, true, true, 'b', 1, 1),
  (10, true, true, 'b', 1, 'Infinity'), (10, true, true, 'a', 1, '-Infinity');
SELECT k, disparate_impact(yhat, s) AS di, demographic_parity_difference(yhat, s) AS dpd,
       equal_opportunity_ratio(yhat, y, s) AS eor, equal_opportunity_difference(yhat, y, s) AS eod,
       equalized_odds_ratio(yhat, y, s) AS odds_r, equalized_odds_difference(yhat, y, s) AS odds_d,
       parity_ks(score, s) AS ks, parity_gap(score, s, '{0.5}') AS gap
FROM fm_case WHERE k <= 6 OR k = 10 GROUP BY k ORDER BY k;
SELECT k, disparate_impact(yhat, s, w) AS di, demographic_parity_difference(yhat, s, w) AS dpd,
       equal_opportunity_ratio(yhat, y, s, w) AS eor, equalized_odds_difference(yhat, y, s, w) AS odds_d,
       parity_ks(score, s, w) AS ks, parity_gap(score, s, '{0.5}', w) AS gap
FROM fm_case WHERE k BETWEEN 7 AND 9 GROUP BY k ORDER BY k;
SELECT k, fairness_report(yhat, y, s, w) AS report FROM fm_case WHERE k IN (1, 2, 3, 7, 8) GROUP BY k ORDER BY k;
SELECT * FROM fairness_by_group((SELECT fairness_report(yhat, y, s, w) FROM fm_case WHERE k = 7));
-- no rows at all: NULL from every aggregate
SELECT disparate_impact(yhat, s) AS di, equalized_odds_ratio(yhat, y, s, w) AS odds,
       fairness_report(yhat, y, s) AS report, parity_ks(score, s) AS ks,
       parity_gap(score, s, '{0.5}') AS gap
FROM fm_case WHERE false;
-- as many groups as rows: 1,000 text groups, each its own selection rate 0 or 1
SELECT disparate_impact(i % 2 = 0, 'g' || i) AS di, demographic_parity_difference(i % 2 = 0, 'g' || i) AS dpd,
       jsonb_array_length(fairness_report(i % 2 = 0, i % 3 = 0, 'g' || i) -> 'groups') AS groups
FROM generate_series(1, 1000) AS i;

-- bad weights, scores and thresholds
SELECT disparate_impact(yhat, s, -1) FROM fm_case;
SELECT disparate_impact(yhat, s, 'NaN') FROM fm_case;
SELECT fairness_report(yhat, y, s, 'Infinity') FROM fm_case;
SELECT parity_ks(score, s, -0.5) FROM fm_case;
-- weights may add up to 1e300 at most (so that no sum can overflow)
SELECT disparate_impact(yhat, s, 1e299) FROM fm_case;
SELECT parity_ks(CASE WHEN k = 5 THEN 'NaN' ELSE score END, s) FROM fm_case;
SELECT parity_gap(score, s, NULL) FROM fm_case;
SELECT parity_gap(score, s, '{}') FROM fm_case;
SELECT parity_gap(score, s, '{0.5,NULL}') FROM fm_case;
SELECT parity_gap(score, s, '{0.5,NaN}') FROM fm_case;
SELECT parity_gap(score, s, '{{0.5},{0.6}}') FROM fm_case;
SELECT parity_gap(score, s, CASE WHEN k < 5 THEN '{0.5}' ELSE '{0.6}' END::float8[]) FROM fm_case;
-- the thresholds may come in any order and repeat
SELECT parity_gap(score, s, '{0.5, 0.2, 0.5}') = parity_gap(score, s, '{0.2, 0.5}') AS order_free
FROM fm_case WHERE k = 5;

-- ---------------------------------------------------------------------------
-- GROUP BY: each group's value equals the aggregate over that group alone
-- ---------------------------------------------------------------------------
CREATE TABLE fm_big AS
SELECT i AS id, (i * 7919) % 100000 AS ord, i % 6 AS part,
       (i * 13) % 29 < 12 + i % 4 AS yhat, (i * 17) % 31 < 14 AS y,
       CASE i % 5 WHEN 0 THEN 'red' WHEN 1 THEN 'green' WHEN 2 THEN 'blue' WHEN 3 THEN 'red' ELSE 'grey' END AS s,
       ((i * 37) % 101) / 100.0 + (i % 5) * 0.01 AS score,
       (i % 4)::float8 AS w_int, ((i * 11) % 7) / 3.0 AS w_frac
FROM generate_series(1, 100000) AS i;
UPDATE fm_big SET yhat = NULL WHERE id % 97 = 0;
UPDATE fm_big SET s = NULL WHERE id % 89 = 0;
ANALYZE fm_big;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS groups,
       bool_and(di = (SELECT disparate_impact(yhat, s) FROM fm_big b WHERE b.part = q.part)) AS di,
       bool_and(eo = (SELECT equal_opportunity_difference(yhat, y, s, w_int) FROM fm_big b WHERE b.part = q.part)) AS eo,
       bool_and(rep = (SELECT fairness_report(yhat, y, s, w_frac) FROM fm_big b WHERE b.part = q.part)) AS report,
       bool_and(ks = (SELECT parity_ks(score, s) FROM fm_big b WHERE b.part = q.part)) AS ks,
       bool_and(gap = (SELECT parity_gap(score, s, '{0.3,0.6}', w_int) FROM fm_big b WHERE b.part = q.part)) AS gap
FROM (SELECT part, disparate_impact(yhat, s) AS di, equal_opportunity_difference(yhat, y, s, w_int) AS eo,
             fairness_report(yhat, y, s, w_frac) AS rep, parity_ks(score, s) AS ks,
             parity_gap(score, s, '{0.3,0.6}', w_int) AS gap
      FROM fm_big GROUP BY part) AS q;
-- a sensitive attribute that is NULL in a whole group of the GROUP BY
SELECT part, disparate_impact(yhat, CASE WHEN part = 0 THEN NULL ELSE s END) IS NULL AS di_is_null
FROM fm_big GROUP BY part ORDER BY part;

-- ---------------------------------------------------------------------------
-- Window form: sliding frames remove rows with the inverse transition; every
-- frame equals the aggregate recomputed over the same rows.  Without weights
-- and with whole-number weights the sums are exact, so equal means equal;
-- fractional weights make the inverse decline and the frame is recomputed
-- (equal to rounding: the rows may be summed in another order).
-- ---------------------------------------------------------------------------
CREATE TABLE fm_w AS SELECT * FROM fm_big WHERE id <= 600;
SELECT count(*) AS frames, count(DISTINCT di) AS distinct_di,
       bool_and(di IS NOT DISTINCT FROM di_r) AS di, bool_and(dpd IS NOT DISTINCT FROM dpd_r) AS dpd,
       bool_and(eor IS NOT DISTINCT FROM eor_r) AS eor, bool_and(odds IS NOT DISTINCT FROM odds_r) AS odds,
       bool_and(rep IS NOT DISTINCT FROM rep_r) AS report, bool_and(gap IS NOT DISTINCT FROM gap_r) AS gap
FROM (SELECT a.id,
             disparate_impact(yhat, s) OVER f AS di,
             demographic_parity_difference(yhat, s, w_int) OVER f AS dpd,
             equal_opportunity_ratio(yhat, y, s) OVER f AS eor,
             equalized_odds_difference(yhat, y, s, w_int) OVER f AS odds,
             fairness_report(yhat, y, s, w_int) OVER f AS rep,
             parity_gap(score, s, '{0.25,0.5,0.75}', w_int) OVER f AS gap,
             r.*
      FROM fm_w a,
      LATERAL (SELECT disparate_impact(yhat, s) AS di_r, demographic_parity_difference(yhat, s, w_int) AS dpd_r,
                      equal_opportunity_ratio(yhat, y, s) AS eor_r,
                      equalized_odds_difference(yhat, y, s, w_int) AS odds_r,
                      fairness_report(yhat, y, s, w_int) AS rep_r,
                      parity_gap(score, s, '{0.25,0.5,0.75}', w_int) AS gap_r
               FROM fm_w b WHERE b.id BETWEEN a.id - 40 AND a.id + 3) AS r
      WINDOW f AS (ORDER BY id ROWS BETWEEN 40 PRECEDING AND 3 FOLLOWING)) AS q;
-- fractional weights, partitions, frames that empty a group
SELECT count(*) AS frames,
       bool_and(abs(di - di_r) <= 1e-12 OR (di IS NULL AND di_r IS NULL)) AS di_frac,
       bool_and(abs(gap - gap_r) <= 1e-12 OR (gap IS NULL AND gap_r IS NULL)) AS gap_frac,
       count(*) FILTER (WHERE di IS NULL) AS null_frames
FROM (SELECT a.id,
             disparate_impact(yhat, s, w_frac) OVER f AS di,
             parity_gap(score, s, '{0.5}', w_frac) OVER f AS gap,
             (SELECT disparate_impact(yhat, s, w_frac) FROM fm_w b
              WHERE b.part = a.part AND b.id < a.id AND b.id >= a.id - 18) AS di_r,
             (SELECT parity_gap(score, s, '{0.5}', w_frac) FROM fm_w b
              WHERE b.part = a.part AND b.id < a.id AND b.id >= a.id - 18) AS gap_r
      FROM fm_w a
      WINDOW f AS (PARTITION BY part ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING)) AS q;
-- parity_ks has no inverse: a growing frame, recomputed as it grows
SELECT count(*) AS frames, bool_and(ks IS NOT DISTINCT FROM ks_r) AS ks_running
FROM (SELECT a.id, parity_ks(score, s) OVER (ORDER BY id) AS ks,
             (SELECT parity_ks(score, s) FROM fm_w b WHERE b.id <= a.id) AS ks_r
      FROM fm_w a WHERE a.id <= 200) AS q;

-- ---------------------------------------------------------------------------
-- Parallel aggregation equals serial: workers' partial states are
-- serialised, sent and combined.
-- ---------------------------------------------------------------------------
CREATE FUNCTION fm_workers_launched(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (regexp_match(plan::text, '"Workers Launched": (\d+)'))[1]::int;
END $$;
CREATE TEMP TABLE fm_serial AS
SELECT disparate_impact(yhat, s) AS di, demographic_parity_difference(yhat, s, w_int) AS dpd,
       equal_opportunity_ratio(yhat, y, s) AS eor, equalized_odds_difference(yhat, y, s, w_int) AS odds,
       fairness_report(yhat, y, s) AS rep, fairness_report(yhat, y, s, w_frac) AS rep_frac,
       parity_ks(score, s) AS ks, parity_ks(score, s, w_frac) AS ks_frac,
       parity_gap(score, s, '{0.2,0.5,0.8}', w_int) AS gap
FROM fm_big;
CREATE TEMP TABLE fm_serial_grouped AS
SELECT part % 2 AS half, fairness_report(yhat, y, s) AS rep, parity_ks(score, s) AS ks FROM fm_big GROUP BY 1;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT fairness_report(yhat, y, s), parity_ks(score, s), parity_gap(score, s, '{0.5}') FROM fm_big;
SELECT fm_workers_launched($$SELECT fairness_report(yhat, y, s), parity_ks(score, s) FROM fm_big$$) > 0
       AS workers_ran;
SELECT p.di = s.di AS di, p.dpd = s.dpd AS dpd, p.eor = s.eor AS eor, p.odds = s.odds AS odds,
       p.rep = s.rep AS report, p.ks = s.ks AS ks, p.gap = s.gap AS gap,
       (SELECT bool_and(abs(x.selection_rate - y.selection_rate) <= 1e-12 AND abs(x.tpr - y.tpr) <= 1e-12
                        AND abs(x.weight - y.weight) <= 1e-9 AND x.rows = y.rows)
        FROM fairness_by_group(p.rep_frac) x JOIN fairness_by_group(s.rep_frac) y USING ("group"))
       AS report_fractional_weights,
       abs(p.ks_frac - s.ks_frac) <= 1e-12 AS ks_fractional_weights
FROM (SELECT disparate_impact(yhat, s) AS di, demographic_parity_difference(yhat, s, w_int) AS dpd,
             equal_opportunity_ratio(yhat, y, s) AS eor, equalized_odds_difference(yhat, y, s, w_int) AS odds,
             fairness_report(yhat, y, s) AS rep, fairness_report(yhat, y, s, w_frac) AS rep_frac,
             parity_ks(score, s) AS ks, parity_ks(score, s, w_frac) AS ks_frac,
             parity_gap(score, s, '{0.2,0.5,0.8}', w_int) AS gap
      FROM fm_big) AS p, fm_serial AS s;
EXPLAIN (COSTS OFF)
SELECT part % 2, fairness_report(yhat, y, s), parity_ks(score, s) FROM fm_big GROUP BY 1;
SELECT count(*) AS groups, bool_and(p.rep = s.rep) AS report, bool_and(p.ks = s.ks) AS ks
FROM (SELECT part % 2 AS half, fairness_report(yhat, y, s) AS rep, parity_ks(score, s) AS ks
      FROM fm_big GROUP BY 1) AS p JOIN fm_serial_grouped AS s USING (half);
-- an error in a worker reaches the client (terse: the row may fall to the leader)
\set VERBOSITY terse
SELECT disparate_impact(yhat, s, CASE WHEN id = 77777 THEN -1 ELSE 1 END) FROM fm_big;
-- thresholds that differ between the workers' parts
SELECT parity_gap(score, s, CASE WHEN id < 50000 THEN '{0.5}' ELSE '{0.6}' END::float8[]) FROM fm_big;
\set VERBOSITY default
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- parity_ks keeps its rows within fairglmm.max_training_memory
SET fairglmm.max_training_memory = '1MB';
SELECT parity_ks(i::float8, i % 2) FROM generate_series(1, 100000) AS i;
SELECT parity_ks(i::float8, i % 2) IS NOT NULL AS small_enough FROM generate_series(1, 20000) AS i;
RESET fairglmm.max_training_memory;

-- ---------------------------------------------------------------------------
-- Mixed-effects reporting: fairglmm_seen says which rows got a fitted
-- random effect, so a report can set the mixed prediction beside the
-- population-level one for seen and unseen strata.
-- ---------------------------------------------------------------------------
CREATE TABLE fm_models AS
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FILTER (WHERE g <= 20) AS crlr,
       fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr"}') AS lr,
       fairglmm_fit(y, x, 'g' || g, s, 0, 1, '{"method": "crlr"}') AS crlr_text
FROM d;
SELECT fairglmm_seen(crlr, 1) AS seen_1, fairglmm_seen(crlr, 21) AS seen_21,
       fairglmm_seen(crlr, 1::bigint) AS seen_bigint, fairglmm_seen(crlr, NULL::int) AS seen_null,
       fairglmm_seen(lr, 1) AS seen_without_strata, fairglmm_seen(NULL, 1) AS null_model,
       fairglmm_seen(crlr_text, 'g1') AS seen_text, fairglmm_seen(crlr_text, 'g99') AS unseen_text
FROM fm_models;
SELECT fairglmm_seen(crlr, 'g1') FROM fm_models;
-- seen exactly where the model has a random effect
SELECT count(*) FILTER (WHERE fairglmm_seen(crlr, g)) AS seen_rows,
       count(*) FILTER (WHERE fairglmm_seen(crlr, g)) = count(*) FILTER (WHERE g IN
           (SELECT stratum::int FROM fairglmm_random_effects(crlr))) AS matches_random_effects
FROM d, fm_models;
-- the report: by seen/unseen, the mixed prediction and the population-level
-- one (the numbers depend on the fit, so only their relations are shown:
-- without a random effect the two predictions, and so their metrics, agree)
SELECT seen, rows, di_mixed BETWEEN 0 AND 1 AND di_population BETWEEN 0 AND 1 AS di_in_range,
       di_mixed = di_population AS same_di, ks_mixed = ks_population AS same_ks, same_prediction
FROM (SELECT fairglmm_seen(m.crlr, d.g) AS seen, count(*) AS rows,
             disparate_impact(fairglmm_predict(m.crlr, x, g) >= 0.5, s) AS di_mixed,
             disparate_impact(fairglmm_predict(m.crlr, x) >= 0.5, s) AS di_population,
             parity_ks(fairglmm_predict(m.crlr, x, g), s) AS ks_mixed,
             parity_ks(fairglmm_predict(m.crlr, x), s) AS ks_population,
             bool_and(fairglmm_predict(m.crlr, x, g) = fairglmm_predict(m.crlr, x)) AS same_prediction
      FROM d, fm_models AS m
      GROUP BY 1) AS q
ORDER BY seen;

-- every new function has a comment, support functions say they are internal
SELECT count(*) AS functions,
       count(*) FILTER (WHERE obj_description(p.oid, 'pg_proc') IS NULL) AS without_comment,
       count(*) FILTER (WHERE p.proargtypes::oid[] && ARRAY['internal'::regtype::oid]
                          AND obj_description(p.oid, 'pg_proc') NOT LIKE 'Internal: %; not for direct use') AS support_not_marked
FROM pg_proc p
WHERE p.proname IN ('disparate_impact', 'demographic_parity_difference', 'equal_opportunity_ratio',
                    'equal_opportunity_difference', 'equalized_odds_ratio', 'equalized_odds_difference',
                    'fairness_report', 'fairness_by_group', 'parity_ks', 'parity_gap', 'fairglmm_seen',
                    'fairglmm_selection_transfn', 'fairglmm_selection_invfn', 'fairglmm_confusion_transfn',
                    'fairglmm_confusion_invfn', 'fairglmm_metric_combinefn', 'fairglmm_metric_serialfn',
                    'fairglmm_metric_deserialfn', 'fairglmm_disparate_impact_final',
                    'fairglmm_dp_difference_final', 'fairglmm_eo_ratio_final',
                    'fairglmm_eo_difference_final', 'fairglmm_eodds_ratio_final',
                    'fairglmm_eodds_difference_final', 'fairglmm_report_final', 'fairglmm_ks_transfn',
                    'fairglmm_ks_final', 'fairglmm_gap_transfn', 'fairglmm_gap_invfn', 'fairglmm_gap_final');
