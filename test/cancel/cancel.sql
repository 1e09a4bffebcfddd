-- Cancellation: statement_timeout must stop every long-running path soon
-- after the timeout, and the session must work normally afterwards.
-- Run by test/cancel/run.sh, which parses the "case|..." lines.
--
-- Each path gets a workload far longer than its timeout: tol 1e-300 keeps
-- Newton iterating until max_iter (100000); boosting with tol_q 0 and 300
-- trace probes runs some 30 steps, about ten times one step.  The timeout is
-- 1 s, or the same query cut short (one Newton iteration without the
-- constraint, one boosting step) plus 0.5 s when that is longer, so the
-- cancel lands inside the solver, not while rows are still being collected.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\pset tuples_only on
\pset format unaligned
CREATE EXTENSION fairglmm;

-- 100,000 rows, 10 features, 50 strata; and 20,000 rows of 300 features
CREATE TABLE cx AS
SELECT i AS id, i % 50 AS g, (i % 3 = 0)::int AS s,
       ARRAY(SELECT sin(i * j + j) FROM generate_series(1, 10) AS j) AS x,
       (i * 7919) % 10 < 4 AS y
FROM generate_series(1, 100000) AS i;
SELECT setseed(0.5) \gset
CREATE TABLE cx_wide AS
SELECT i AS id, i % 50 AS g, (i % 3 = 0)::int AS s,
       ARRAY(SELECT random() + 0 * i FROM generate_series(1, 300)) AS x, random() < 0.4 AS y
FROM generate_series(1, 20000) AS i;
CREATE TABLE cx_model AS
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM cx WHERE id <= 5000;

-- A reference fit, repeated after every cancel: the same model (everything
-- fairglmm_info shows but the creation time), the same predictions.
CREATE TABLE cx_ref AS
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM cx WHERE id <= 3000;
CREATE FUNCTION cx_usable() RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}')) - 'created_at'
          FROM cx WHERE id <= 3000)
         = (SELECT fairglmm_info(m) - 'created_at' FROM cx_ref)
     AND (SELECT sum(fairglmm_predict(m, x, g)) FROM cx, cx_ref WHERE id <= 1000)
         = (SELECT sum(fairglmm_predict((SELECT m FROM cx_ref), x, g)) FROM cx WHERE id <= 1000)
$$;

-- Run q; 'canceled <ms>' or 'finished <ms>', counted from the start of the
-- statement (when statement_timeout starts counting).
CREATE FUNCTION cx_probe(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'finished ' || round(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000);
EXCEPTION WHEN query_canceled THEN
  RETURN 'canceled ' || round(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000, 1);
END $$;

-- The timeout for a workload: 1 s, or its shortened form plus 0.5 s.
CREATE FUNCTION cx_timeout(short_q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE short_q;
  RETURN greatest(1000, ceil(extract(epoch FROM clock_timestamp() - t0) * 1000) + 500);
END $$;

-- Boosting is skipped, not failed, where fair_glmm is not available yet.
CREATE FUNCTION cx_boosting_available() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 1}') FROM cx WHERE id <= 200;
  RETURN true;
EXCEPTION WHEN feature_not_supported THEN
  RETURN false;
END $$;

-- one block per path: timeout, cancel, then the session must still work

-- fit lr
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "tol": 1e300, "max_iter": 1}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit lr|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "tol": 1e-300, "max_iter": 100000}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|fit lr|' || cx_usable();

-- fit fair_lr (penalty)
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_lr", "tol": 1e300, "max_iter": 1}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit fair_lr (penalty)|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_lr", "tol": 1e-300, "max_iter": 100000}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|fit fair_lr (penalty)|' || cx_usable();

-- fit fair_lr (constraint)
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "tol": 1e300, "max_iter": 1}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit fair_lr (constraint)|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "c": 0.0001, "tol": 1e-300, "max_iter": 100000}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|fit fair_lr (constraint)|' || cx_usable();

-- fit crlr
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 1e300, "max_iter": 1}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit crlr|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 1e-300, "max_iter": 100000}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|fit crlr|' || cx_usable();

-- fit fair_crlr (penalty)
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr", "tol": 1e300, "max_iter": 1}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit fair_crlr (penalty)|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr", "tol": 1e-300, "max_iter": 100000}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|fit fair_crlr (penalty)|' || cx_usable();

-- fit fair_crlr (constraint)
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "tol": 1e300, "max_iter": 1}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit fair_crlr (constraint)|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0, "tol": 1e-300, "max_iter": 100000}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|fit fair_crlr (constraint)|' || cx_usable();

-- fit crlr, 300 features
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 1e300, "max_iter": 1}') FROM cx_wide$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|fit crlr, 300 features|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 1e-300, "max_iter": 100000}') FROM cx_wide$q$);
RESET statement_timeout;
SELECT 'usable|fit crlr, 300 features|' || cx_usable();

-- fairglmm_train: a pass at a time, each a query of its own
SELECT cx_timeout($q$SELECT fairglmm_train('cx', 'y', 'x', 'g', 's', 0.8, 1, '{"method": "fair_crlr", "tol": 1e300, "max_iter": 1}')$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|train fair_crlr in passes|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_train('cx', 'y', 'x', 'g', 's', 0.8, 1, '{"method": "fair_crlr", "tol": 1e-300, "max_iter": 100000}')$q$);
RESET statement_timeout;
SELECT 'usable|train fair_crlr in passes|' || cx_usable();
SELECT cx_timeout($q$SELECT fairglmm_train('cx_wide', 'y', 'x', 'g', 's', 0, 1, '{"method": "crlr", "tol": 1e300, "max_iter": 1}')$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|train crlr in passes, 300 features|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_train('cx_wide', 'y', 'x', 'g', 's', 0, 1, '{"method": "crlr", "tol": 1e-300, "max_iter": 100000}')$q$);
RESET statement_timeout;
SELECT 'usable|train crlr in passes, 300 features|' || cx_usable();

-- boosting glmm
SELECT cx_boosting_available() AS avail \gset
\if :avail
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm", "max_steps": 1, "probes": 300}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|boosting glmm|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm", "tol_q": 0, "max_steps": 100000, "probes": 300}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|boosting glmm|' || cx_usable();
\else
SELECT 'case|boosting glmm|0|skipped: fair_glmm raises 0A000 (not available)';
\endif

-- boosting fair_glmm
SELECT cx_boosting_available() AS avail \gset
\if :avail
SELECT cx_timeout($q$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 1, "probes": 300}') FROM cx$q$) AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|boosting fair_glmm|' || :timeout || '|' || cx_probe($q$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "tol_q": 0, "max_steps": 100000, "probes": 300}') FROM cx$q$);
RESET statement_timeout;
SELECT 'usable|boosting fair_glmm|' || cx_usable();
\else
SELECT 'case|boosting fair_glmm|0|skipped: fair_glmm raises 0A000 (not available)';
\endif

-- scoring predict
SELECT 1000 AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|scoring predict|' || :timeout || '|' || cx_probe($q$SELECT count(fairglmm_predict(m, x, g)) FROM cx_model, cx, generate_series(1, 5000)$q$);
RESET statement_timeout;
SELECT 'usable|scoring predict|' || cx_usable();

-- scoring classify + disparate_impact
SELECT 1000 AS timeout \gset
SET statement_timeout = :timeout;
SELECT 'case|scoring classify + disparate_impact|' || :timeout || '|' || cx_probe($q$SELECT disparate_impact(fairglmm_classify(m, x, g), s) FROM cx_model, cx, generate_series(1, 5000)$q$);
RESET statement_timeout;
SELECT 'usable|scoring classify + disparate_impact|' || cx_usable();
