-- A synthetic stratified survey with a continuous outcome, for the
-- trade-off between test RMSE and the all-threshold disparity
-- (tools/tradeoff_gaussian.sh, docs/gaussian-tradeoff.md).  Plain SQL, no
-- extension needed.
--
--   psql -v n_strata=20 -v rows_per_stratum=300 -v spread=0.8 -v seed=16 \
--        -v table=gsurvey -f tools/make_gaussian_survey.sql
--
-- All variables are optional (defaults shown).  The table (plain or
-- schema-qualified) is dropped and recreated:
--   id int, stratum int, s boolean (the sensitive attribute),
--   x float8[] = {x1, x2, x3} (s itself is not a feature), y float8, mu float8
--   (the true mean of y).
--
-- The model, for row l of stratum k:
--   u_k ~ N(0, 0.7^2)                    random intercept
--   s_l ~ Bernoulli(p_k), p_k uniform in [0.2, 0.6]
--                                        (so strata and s are correlated)
--   x1 = 0.5 s + (1 + spread s) z1       a proxy of s in mean AND in spread
--   x2 = z2                              independent of s
--   x3 = 0.6 s + z3                      a proxy of s in mean only
--   mu = 1 + x1 + 0.8 x2 + 0.5 x3 + 0.7 s + u_k
--   y  = mu + e,  e ~ N(0, 1)
-- with z1, z2, z3, e standard normal.  s moves y directly (0.7) and through
-- x1 and x3, so predictions that ignore s still differ between the groups,
-- and making them alike costs accuracy.  With spread > 0 the groups'
-- predictions differ in spread as well as in mean: no shift of the mean
-- makes their distributions equal.  spread = 0 leaves only a shift.
--
-- Deterministic for a given seed: the random() calls are made in one
-- statement per table over generate_series, in a fixed order.

\if :{?n_strata}         \else \set n_strata 20          \endif
\if :{?rows_per_stratum} \else \set rows_per_stratum 300 \endif
\if :{?spread}           \else \set spread 0.8           \endif
\if :{?seed}             \else \set seed 16              \endif
\if :{?table}            \else \set table gsurvey        \endif

\set fg_saved_quiet :QUIET
\if :{?ON_ERROR_STOP} \set fg_saved_oes :ON_ERROR_STOP \else \set fg_saved_oes off \endif
\set QUIET on
\set ON_ERROR_STOP on

BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL jit = off;

SELECT CASE WHEN :n_strata >= 1 AND :rows_per_stratum >= 2 AND :spread >= 0
             AND :seed BETWEEN -2147483647 AND 2147483647
            THEN 0
            ELSE CAST('make_gaussian_survey: need n_strata >= 1, rows_per_stratum >= 2, spread >= 0, seed an int4'::text AS int)
       END AS fg_ignore \gset

SELECT setseed(:seed / 2147483648.0) AS fg_ignore \gset

-- strata: random intercept (Box-Muller) and the share of s = true
CREATE TEMP TABLE fg_gs_strata ON COMMIT DROP AS
SELECT k AS stratum,
       0.7 * sqrt(-2 * ln(1 - u1)) * cos(2 * pi() * u2) AS u,
       0.2 + 0.4 * u3 AS p
FROM (SELECT k, random() AS u1, random() AS u2, random() AS u3
      FROM generate_series(1, :n_strata) AS k ORDER BY k) AS d;

-- rows: eight uniforms each, drawn in id order
CREATE TEMP TABLE fg_gs_uniforms ON COMMIT DROP AS
SELECT i AS id, random() AS us, random() AS a1, random() AS b1, random() AS a2, random() AS b2,
       random() AS a3, random() AS b3, random() AS ae, random() AS be
FROM generate_series(1, :n_strata * :rows_per_stratum) AS i ORDER BY i;

DROP TABLE IF EXISTS :table;
CREATE TABLE :table AS
SELECT id, stratum, s, ARRAY[x1, x2, x3] AS x, mu + e AS y, mu
FROM (SELECT id, stratum, s, x1, x2, x3, e,
             1 + x1 + 0.8 * x2 + 0.5 * x3 + 0.7 * s::int + u AS mu
      FROM (SELECT n.id, n.stratum, n.s, n.u,
                   0.5 * n.s::int + (1 + :spread * n.s::int) * n.z1 AS x1,
                   n.z2 AS x2,
                   0.6 * n.s::int + n.z3 AS x3,
                   n.e
            FROM (SELECT g.id, st.stratum, st.u, g.us < st.p AS s,
                         sqrt(-2 * ln(1 - g.a1)) * cos(2 * pi() * g.b1) AS z1,
                         sqrt(-2 * ln(1 - g.a2)) * cos(2 * pi() * g.b2) AS z2,
                         sqrt(-2 * ln(1 - g.a3)) * cos(2 * pi() * g.b3) AS z3,
                         sqrt(-2 * ln(1 - g.ae)) * cos(2 * pi() * g.be) AS e
                  FROM fg_gs_uniforms AS g
                  JOIN fg_gs_strata AS st ON st.stratum = 1 + (g.id - 1) % :n_strata) AS n) AS r) AS q
ORDER BY id;
ALTER TABLE :table ADD PRIMARY KEY (id);
COMMIT;
ANALYZE :table;

\set QUIET :fg_saved_quiet
\set ON_ERROR_STOP :fg_saved_oes
\unset fg_saved_quiet
\unset fg_saved_oes
\unset fg_ignore
