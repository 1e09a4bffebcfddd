-- Synthetic stratified survey after the paper's simulation (Sec. 3, see
-- design/ALGORITHMS.md "The paper's simulation scenarios").  Plain SQL, no
-- extension needed.
--
--   psql -v scenario=1 -v n_strata=100 -v rows_per_stratum=1000 \
--        -v seed=42 -v table=survey -f tools/make_survey.sql
--
-- All variables are optional (defaults shown).  scenario 1..4 = paper 3.1..3.4.
-- The table (plain or schema-qualified name) is dropped and recreated:
--   id bigint, stratum int, x float8[] = {x1,x2,x3,sex}, sex int (0/1),
--   y boolean ~ Bernoulli(mu), mu float8 (true probability),
--   train boolean (3, 4 or 5 random rows per stratum, count uniform).
--
-- Optional, for comparisons with the paper's printed tables:
--   -v labels=authors   y = (u < mu) with ONE uniform u shared by all rows, as
--                       the authors' generator does (it re-seeds its random
--                       generator before every label), so y is a deterministic
--                       threshold of mu.  u is one extra draw after all the
--                       others (the population is the same as with honest
--                       labels), unless -v authors_u=0.xx fixes it.
--                       Default: labels=honest, y ~ Bernoulli(mu).
--   -v train_seed=S     draw the choice of training rows from a second stream
--                       seeded with S, so one population (seed) can be
--                       resampled; the authors keep x, b, sex, y and the
--                       per-stratum training counts fixed (seed 42) and vary
--                       only the training rows.  Default: the same stream.
--
-- Deterministic for a given seed: every random() call happens in a
-- single-table statement in a fixed order (strata first, then rows by id).
-- The strata draws are made even when the scenario has no strata effect, so
-- scenarios 1/3 (and 2/4) with one seed share x, sex and all uniforms.

\if :{?scenario}         \else \set scenario 1            \endif
\if :{?n_strata}         \else \set n_strata 100          \endif
\if :{?rows_per_stratum} \else \set rows_per_stratum 1000 \endif
\if :{?seed}             \else \set seed 42               \endif
\if :{?table}            \else \set table survey          \endif
\if :{?labels}           \else \set labels honest         \endif

-- Be quiet and stop on errors; the caller's settings come back at the end.
\set fg_saved_quiet :QUIET
\if :{?ON_ERROR_STOP} \set fg_saved_oes :ON_ERROR_STOP \else \set fg_saved_oes off \endif
\set QUIET on
\set ON_ERROR_STOP on

BEGIN;
SET LOCAL work_mem = '256MB';
SET LOCAL client_min_messages = warning;
SET LOCAL jit = off;

-- Parameter check: the failing cast is the error message.
SELECT CASE WHEN :scenario BETWEEN 1 AND 4 AND :n_strata >= 1
             AND :rows_per_stratum >= 1
             AND :seed BETWEEN -2147483647 AND 2147483647
            THEN 0
            ELSE CAST('make_survey: need scenario 1..4, n_strata >= 1, rows_per_stratum >= 1, seed an int4'::text AS int)
       END AS fg_ignore \gset
SELECT CASE WHEN :'labels' IN ('honest', 'authors') THEN :'labels' = 'authors'
            ELSE CAST('make_survey: labels must be honest or authors'::text AS boolean)
       END AS fg_authors \gset

-- Coefficients (beta0, beta1..3, beta_sex) and strata effect per scenario.
SELECT b0 AS fg_b0, b1 AS fg_b1, b2 AS fg_b2, b3 AS fg_b3, bsex AS fg_bsex,
       strata::text AS fg_has_strata
FROM (VALUES (1, -2.0, 0.4, 0.8, 0.5, 3.0, true),
             (2, -0.1, 1.0, 1.0, 1.0, 0.1, true),
             (3, -2.0, 0.4, 0.8, 0.5, 3.0, false),
             (4, -0.1, 1.0, 1.0, 1.0, 0.1, false))
     AS v(scenario, b0, b1, b2, b3, bsex, strata)
WHERE scenario = :scenario \gset

-- setseed wants a value in [-1, 1].
SELECT setseed(:seed / 2147483648.0) AS fg_ignore \gset

-- Uniforms for the strata: u1, u2 -> b_i (Box-Muller), u3 -> training count.
CREATE TEMP TABLE fg_su ON COMMIT DROP AS
SELECT g AS stratum, random() AS u1, random() AS u2, random() AS u3
FROM generate_series(1, :n_strata) AS g
ORDER BY g;

-- Uniforms for the rows, seven per row, in id order.  ORDER BY makes the
-- planner call random() after sorting, i.e. in id order.
CREATE TEMP TABLE fg_ru ON COMMIT DROP AS
SELECT i AS id,
       ((i - 1) / :rows_per_stratum + 1)::int AS stratum,
       random() AS u1, random() AS u2,   -- x1, x2
       random() AS u3, random() AS u4,   -- x3 (second normal discarded)
       random() AS u5,                   -- sex
       random() AS u6,                   -- y
       random() AS u7                    -- order for the training pick
FROM generate_series(1::bigint, CAST(:n_strata AS bigint) * :rows_per_stratum) AS i
ORDER BY i;

-- The authors' shared uniform: one more draw after all the others, so the
-- population (x, sex, b, mu) does not depend on the label generator.
SELECT random() AS fg_u \gset
\if :{?authors_u}
SELECT CASE WHEN :authors_u > 0 AND :authors_u < 1 THEN (:authors_u)::float8
            ELSE CAST('make_survey: authors_u must be in (0, 1)'::text AS float8)
       END AS fg_u \gset
\endif

-- A separate stream for the training pick (the 7th uniform of each row).
\if :{?train_seed}
SELECT CASE WHEN :train_seed BETWEEN -2147483647 AND 2147483647
            THEN setseed(:train_seed / 2147483648.0)::text
            ELSE CAST('make_survey: train_seed must be an int4'::text AS int)::text
       END AS fg_ignore \gset
CREATE TEMP TABLE fg_ru7 ON COMMIT DROP AS
SELECT i AS id, random() AS u7
FROM generate_series(1::bigint, CAST(:n_strata AS bigint) * :rows_per_stratum) AS i
ORDER BY i;
UPDATE fg_ru SET u7 = fg_ru7.u7 FROM fg_ru7 WHERE fg_ru.id = fg_ru7.id;
\endif

-- No volatile functions from here on, so plans cannot change the result.
ANALYZE fg_su;

-- Strata: random intercept b (sd 3, or 0 without strata effect) and the
-- training count k in {3,4,5}.
CREATE TEMP TABLE fg_strata ON COMMIT DROP AS
SELECT s.stratum,
       CASE WHEN :fg_has_strata
            THEN 3.0 * sqrt(-2.0 * ln(1.0 - s.u1)) * cos(2.0 * pi() * s.u2)
            ELSE 0.0 END AS b,
       3 + LEAST(floor(3.0 * s.u3)::int, 2) AS k
FROM fg_su AS s;

-- Training rows: the k rows with the smallest u7 in each stratum.  Ranking
-- all rows means a big sort, so rank only rows with u7 below a cut that
-- keeps about 64 per stratum, plus every row of any stratum where the cut
-- left fewer than k.  The result is the same as ranking everything.
SELECT LEAST(1.0, 64.0 / :rows_per_stratum)::float8 AS fg_cut \gset
CREATE TEMP TABLE fg_pick ON COMMIT DROP AS
WITH cand AS (
    SELECT id, stratum, u7 FROM fg_ru WHERE u7 < :fg_cut
),
short AS (
    SELECT st.stratum
    FROM fg_strata AS st LEFT JOIN cand AS c USING (stratum)
    GROUP BY st.stratum, st.k
    HAVING count(c.id) < st.k
),
pool AS (
    SELECT * FROM cand
    UNION ALL
    SELECT id, stratum, u7 FROM fg_ru
    WHERE u7 >= :fg_cut AND stratum IN (SELECT stratum FROM short)
)
SELECT id
FROM (SELECT p.id, st.k,
             row_number() OVER (PARTITION BY p.stratum ORDER BY p.u7, p.id) AS rn
      FROM pool AS p JOIN fg_strata AS st USING (stratum)) AS z
WHERE rn <= k;
ANALYZE fg_strata;
ANALYZE fg_pick;

DROP TABLE IF EXISTS :table;

-- One pass over fg_ru joined to the two small tables.  OFFSET 0 keeps each
-- level a separate subquery so no expression is evaluated twice per row.
-- Rows come out in id order with the expected hash joins (tidy, not promised).
CREATE TABLE :table AS
SELECT id, stratum,
       ARRAY[x1, x2, x3, sex::float8] AS x,
       sex,
       CASE WHEN :'fg_authors'::boolean THEN :fg_u < mu ELSE u6 < mu END AS y,
       mu,
       train
FROM (
    SELECT z.*,
           1.0 / (1.0 + exp(-(:fg_b0 + :fg_b1 * x1 + :fg_b2 * x2 + :fg_b3 * x3
                              + :fg_bsex * sex + b))) AS mu
    FROM (
        SELECT id, stratum, r1 * cos(t1) AS x1, r1 * sin(t1) AS x2,
               r3 * cos(t3) AS x3, sex, u6, train, b
        FROM (
            SELECT r.id, r.stratum,
                   sqrt(-2.0 * ln(1.0 - r.u1)) AS r1, 2.0 * pi() * r.u2 AS t1,
                   sqrt(-2.0 * ln(1.0 - r.u3)) AS r3, 2.0 * pi() * r.u4 AS t3,
                   (r.u5 < 0.5)::int AS sex,
                   r.u6,
                   p.id IS NOT NULL AS train,
                   st.b
            FROM fg_ru AS r
            JOIN fg_strata AS st USING (stratum)
            LEFT JOIN fg_pick AS p USING (id)
            OFFSET 0
        ) AS polar
        OFFSET 0
    ) AS z
) AS lin;

ANALYZE :table;
COMMIT;

\set QUIET :fg_saved_quiet
\set ON_ERROR_STOP :fg_saved_oes
\unset fg_saved_quiet
\unset fg_saved_oes
\unset fg_ignore
\unset fg_cut
\unset fg_b0
\unset fg_b1
\unset fg_b2
\unset fg_b3
\unset fg_bsex
\unset fg_has_strata
\unset fg_authors
\unset fg_u
