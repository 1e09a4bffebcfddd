-- Report of the simulation study (tools/simulate.sh) for one scenario and
-- label generator: psql variables scenario, labels.
\set ON_ERROR_STOP on
\pset footer off
\pset null ''

SELECT count(DISTINCT replicate) AS fg_reps, 2 * :scenario - 1 AS fg_ta, 2 * :scenario AS fg_td
FROM sim_results WHERE scenario = :scenario AND labels = :'labels' \gset
\echo
\echo Scenario 3.:scenario, :labels labels, :fg_reps replicates: test-set accuracy and disparate impact
\echo (paper: its Tables :fg_ta and :fg_td, 100 samples, shown under the matching family)

WITH r AS (
    SELECT * FROM sim_results WHERE scenario = :scenario AND labels = :'labels'
),
ours AS (
    SELECT ord::float8 AS ord, label AS method, count(accuracy) AS n,
           avg(accuracy) AS am,
           percentile_cont(0.25) WITHIN GROUP (ORDER BY accuracy) AS a25,
           percentile_cont(0.50) WITHIN GROUP (ORDER BY accuracy) AS a50,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY accuracy) AS a75,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY accuracy) AS a95,
           stddev_samp(accuracy) AS asd,
           avg(di) AS dm,
           percentile_cont(0.25) WITHIN GROUP (ORDER BY di) AS d25,
           percentile_cont(0.50) WITHIN GROUP (ORDER BY di) AS d50,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY di) AS d75,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY di) AS d95,
           stddev_samp(di) AS dsd
    FROM r GROUP BY ord, label
),
fam AS (
    SELECT family, max(ord) AS last_ord FROM sim_runs WHERE ord < 20 GROUP BY family
),
paper AS (
    SELECT f.last_ord + 0.5 AS ord, 'paper: ' || f.family AS method, 100::bigint AS n,
           a.mean, a.p25, a.median, a.p75, a.p95, a.std,
           d.mean, d.p25, d.median, d.p75, d.p95, d.std
    FROM fam AS f
    JOIN sim_paper AS a ON a.family = f.family AND a.scenario = :scenario AND a.metric = 'accuracy'
    JOIN sim_paper AS d ON d.family = f.family AND d.scenario = :scenario AND d.metric = 'di'
),
u AS (
    SELECT * FROM ours UNION ALL SELECT * FROM paper
)
SELECT method, n,
       round(am::numeric, 3) AS "acc mean", round(a25::numeric, 3) AS p25,
       round(a50::numeric, 3) AS median, round(a75::numeric, 3) AS p75,
       round(a95::numeric, 3) AS p95, round(asd::numeric, 3) AS std,
       round(dm::numeric, 3) AS "DI mean", round(d25::numeric, 3) AS p25,
       round(d50::numeric, 3) AS median, round(d75::numeric, 3) AS p75,
       round(d95::numeric, 3) AS p95, round(dsd::numeric, 3) AS std
FROM u ORDER BY ord;

\echo
\echo Fits: time, convergence, failures; boosting: steps, stop reason, Q, selections
SELECT label AS method,
       round(avg(fit_ms)::numeric, 1) AS "fit ms",
       count(*) FILTER (WHERE error IS NOT NULL) AS failed,
       count(*) FILTER (WHERE NOT converged) AS "not converged",
       round(avg(steps)::numeric, 1) AS "steps mean",
       max(steps) AS "steps max",
       round(100.0 * count(*) FILTER (WHERE stop_reason = 'tol_q')
             / nullif(count(stop_reason), 0), 0) AS "% stopped on tol_q",
       round(avg(sqrt(q))::numeric, 2) AS "SD of b (mean)",
       round(100.0 * sum((selected ->> 'x1')::int) / nullif(sum(steps), 0), 0) AS "% x1",
       round(100.0 * sum((selected ->> 'x2')::int) / nullif(sum(steps), 0), 0) AS "% x2",
       round(100.0 * sum((selected ->> 'x3')::int) / nullif(sum(steps), 0), 0) AS "% x3",
       round(100.0 * sum((selected ->> 'x4')::int) / nullif(sum(steps), 0), 0) AS "% sex",
       max(error) AS "an error"
FROM sim_results
WHERE scenario = :scenario AND labels = :'labels' AND ord < 100
GROUP BY ord, label ORDER BY ord;
\unset fg_reps
\unset fg_ta
\unset fg_td
