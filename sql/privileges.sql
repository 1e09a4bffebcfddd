-- Privileges: everything works for an ordinary role (no superuser, no
-- grants beyond the data it reads); nothing runs with its owner's rights;
-- the extension is not marked trusted.  See README.md, "Privileges".
\set VERBOSITY default

-- no function of the extension is SECURITY DEFINER, leakproof, or
-- withheld from PUBLIC
SELECT count(*) > 40 AS functions_found,
       count(*) FILTER (WHERE p.prosecdef) AS security_definer,
       count(*) FILTER (WHERE p.proleakproof) AS leakproof,
       count(*) FILTER (WHERE NOT has_function_privilege('public', p.oid, 'EXECUTE')) AS not_public
FROM pg_depend AS d
JOIN pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'fairglmm'
JOIN pg_proc AS p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass;
-- not trusted: CREATE EXTENSION needs a superuser (or an explicit grant)
SELECT name, version, superuser, trusted FROM pg_available_extension_versions WHERE name = 'fairglmm' ORDER BY version;

CREATE ROLE regress_fairglmm_user NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE SCHEMA priv AUTHORIZATION regress_fairglmm_user;
GRANT SELECT ON d TO regress_fairglmm_user;
SET ROLE regress_fairglmm_user;
SELECT rolsuper FROM pg_roles WHERE rolname = current_user;

-- fit every method, store the models in a table of one's own
CREATE TABLE priv.models AS
SELECT method, fairglmm_fit(y, x, g, s, 0.8, 1, jsonb_build_object('method', method, 'max_steps', 20)) AS m
FROM d, unnest(ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm']) AS method
GROUP BY method;
SELECT method, fairglmm_info(m) ->> 'converged' AS converged FROM priv.models ORDER BY method;
-- the constrained form, text strata, feature names
SELECT length(fairglmm_fit(y, x, g::text, s, 0, 1, '{"method": "fair_crlr", "c": 0.05, "feature_names": ["a", "b", "c"]}')) > 0 AS fitted
FROM d;

-- score, classify, inspect, measure disparate impact (plain, grouped, window)
SELECT method,
       count(fairglmm_predict(m, x, g)) AS predictions,
       count(fairglmm_predict(m, x)) AS population,
       disparate_impact(fairglmm_classify(m, x, g), s) BETWEEN 0 AND 1 AS di_ok,
       disparate_impact(fairglmm_classify(m, x, g::bigint, 0.3), s::boolean) BETWEEN 0 AND 1 AS di_threshold_ok
FROM priv.models, d GROUP BY method ORDER BY method;
SELECT count(*) AS coefficient_rows FROM priv.models, fairglmm_coefficients(m);
SELECT count(*) AS random_effect_rows FROM priv.models, fairglmm_random_effects(m);
SELECT count(w) AS window_values
FROM (SELECT disparate_impact(fairglmm_classify(m, x, g), s)
               OVER (ORDER BY id ROWS BETWEEN 50 PRECEDING AND CURRENT ROW) AS w
      FROM d, priv.models WHERE method = 'crlr') AS q;

-- the reporting aggregates and functions of 1.1
SELECT fairness_report(fairglmm_classify(m, x, g), y, s) -> 'groups' -> 0 ->> 'rows' IS NOT NULL AS report_ok,
       equalized_odds_ratio(fairglmm_classify(m, x, g), y, s, 2) BETWEEN 0 AND 1 AS odds_ok,
       parity_ks(fairglmm_predict(m, x, g), s) BETWEEN 0 AND 1 AS ks_ok,
       parity_gap(fairglmm_predict(m, x, g), s, '{0.5}') BETWEEN 0 AND 1 AS gap_ok,
       count(*) FILTER (WHERE fairglmm_seen(m, g)) AS seen_rows
FROM priv.models, d WHERE method = 'crlr';
SELECT count(*) AS report_groups FROM fairness_by_group((SELECT fairness_report(y, y, s) FROM d));

-- the settings are the user's to change (like work_mem)
SET fairglmm.max_training_memory = '64MB';
SET fairglmm.blas_threads = 2;
SELECT length(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}')) > 0 AS fitted_with_settings FROM d;
RESET fairglmm.max_training_memory;
RESET fairglmm.blas_threads;

-- errors are the same as for a superuser, and cancellation works
SELECT fairglmm_predict('\x00'::bytea, '{1,2,3}', 1);
SET statement_timeout = '200ms';
SELECT count(fairglmm_predict(m, x, g)) FROM priv.models, d, generate_series(1, 100000) WHERE method = 'crlr';
RESET statement_timeout;

-- what an ordinary role cannot do: pair the internal-state support
-- functions of fairglmm_fit with other functions in an aggregate of its own
-- (only superusers may declare internal states), or call them directly
CREATE AGGREGATE priv.mixed(anynonarray) (SFUNC = array_agg_transfn, STYPE = internal,
                                         FINALFUNC = fairglmm_fit_finalfn);
SELECT fairglmm_fit_finalfn(NULL);

RESET ROLE;
DROP SCHEMA priv CASCADE;
REVOKE SELECT ON d FROM regress_fairglmm_user;
DROP ROLE regress_fairglmm_user;
