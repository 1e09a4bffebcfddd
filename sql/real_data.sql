-- The real-data corpus (test/realdata) in small: the three data sets loaded
-- as a user would (test/realdata/load.sql), every method fitted on the full
-- data and on 5 deterministic samples per fraction: replicates 86 to 90 of
-- test/realdata/corpus.sh, five consecutive ones that drew refusals of all
-- three kinds from the 1.0 solver (separation, non-finite steps, failed line
-- searches) and now return models, the separated ones with a warning.
-- Prints counts and outcomes only, no floating-point digits.
\set ECHO none
\set datadir test/realdata/data
\i test/realdata/load.sql
\i test/realdata/corpus.sql
\set ECHO all

-- the data as loaded: rows, rows with y, positives, strata, sensitive = true
SELECT dataset, count(*) AS rows, count(y) AS with_y, count(*) FILTER (WHERE y) AS positives,
       count(DISTINCT stratum) AS strata, count(*) FILTER (WHERE sensitive) AS sensitive,
       min(array_length(x, 1)) AS p
FROM realdata.model GROUP BY dataset ORDER BY dataset;

SELECT dataset, string_agg(name, ', ' ORDER BY position) AS features
FROM realdata.features GROUP BY dataset ORDER BY dataset;

-- every method on each full data set: the NULL y of nhanes are skipped
SELECT d AS dataset, m AS method,
       fairglmm_info(f) ->> 'rows_used' AS rows_used,
       fairglmm_info(f) ->> 'rows_skipped' AS rows_skipped,
       fairglmm_info(f) ->> 'n_strata' AS n_strata,
       fairglmm_info(f) ->> 'converged' AS converged
FROM unnest(ARRAY['nhanes', 'contraception', 'arrests']) WITH ORDINALITY AS ds(d, i),
     unnest(ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm']) WITH ORDINALITY AS ms(m, j),
     LATERAL (SELECT fairglmm_fit(y, x, stratum, sensitive, 1, 1,
                                  jsonb_build_object('method', m, 'feature_names', realdata.feature_names(d))) AS f
              FROM realdata.model WHERE dataset = d) AS fit
ORDER BY i, j;

-- the samples are deterministic and nested (2 % within 5 % within 20 %)
SELECT d AS dataset, realdata.corpus_prepare(d, 86, 90) AS draws
FROM unnest(ARRAY['nhanes', 'contraception', 'arrests']) AS d;
SELECT dataset, replicate,
       count(*) FILTER (WHERE u < 0.02) AS n_2,
       count(*) FILTER (WHERE u < 0.05) AS n_5,
       count(*) FILTER (WHERE u < 0.2) AS n_20
FROM realdata.corpus_draws GROUP BY dataset, replicate ORDER BY dataset, replicate;

-- 5 samples per data set, method and fraction (rho = 1, lambda = 1);
-- the loop's NOTICE markers are for corpus.sh, and its separation WARNINGs
-- are counted below from fairglmm_info
SET client_min_messages = error;
SELECT sum(realdata.corpus_run(d, m, f, 86, 90, 1, 1, '{}')) AS fits
FROM unnest(ARRAY['nhanes', 'contraception', 'arrests']) AS d,
     unnest(ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm']) AS m,
     unnest(ARRAY[0.02, 0.05, 0.2]) AS f;
RESET client_min_messages;

-- per cell: models returned, errors; every model used exactly the sampled
-- rows with a y (nhanes: NULL y skipped)
SELECT f.dataset, f.method, f.fraction,
       count(*) FILTER (WHERE outcome = 'model') AS models,
       count(*) FILTER (WHERE outcome = 'error') AS errors,
       count(*) FILTER (WHERE outcome = 'null') AS nulls,
       count(*) FILTER (WHERE separated > 0) AS separated,
       bool_and(outcome <> 'model'
                OR rows_used = (SELECT count(*) FROM realdata.corpus_draws AS d
                                JOIN realdata.model AS v USING (dataset, id)
                                WHERE d.dataset = f.dataset AND d.replicate = f.replicate
                                  AND d.u < f.fraction AND v.y IS NOT NULL)) AS rows_used_ok
FROM realdata.corpus_fits AS f
GROUP BY f.dataset, f.method, f.fraction
ORDER BY array_position(ARRAY['nhanes', 'contraception', 'arrests'], f.dataset),
         array_position(ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm'], f.method),
         f.fraction;

-- the refusals, per data set (class 22, data exception, only)
SELECT dataset, sqlstate, realdata.corpus_label(message, detail) AS message, count(*)
FROM realdata.corpus_fits WHERE outcome = 'error'
GROUP BY 1, 2, 3
ORDER BY array_position(ARRAY['nhanes', 'contraception', 'arrests'], dataset), 2, 3;

SET client_min_messages = warning;
DROP SCHEMA realdata CASCADE;
RESET client_min_messages;
