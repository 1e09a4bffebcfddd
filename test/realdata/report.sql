-- The corpus report (run by test/realdata/corpus.sh with psql -At): markdown
-- tables of the outcomes and of the messages, then two counts for the
-- pass/fail criterion.  Variables: intended (the intended refusals, message
-- prefixes one per line), fractions (comma-separated, for the columns).
\set ON_ERROR_STOP on
CREATE TEMP VIEW ord AS
SELECT ARRAY['nhanes', 'contraception', 'arrests'] AS datasets,
       ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm'] AS methods,
       string_to_array(:'fractions', ',')::float8[] AS fractions,
       string_to_array(:'intended', E'\n') AS intended;

CREATE TEMP VIEW fits AS
SELECT f.*,
       f.outcome = 'model' AND EXISTS (SELECT 1 FROM realdata.corpus_warnings AS w
                                       WHERE (w.dataset, w.method, w.fraction, w.replicate)
                                           = (f.dataset, f.method, f.fraction, f.replicate)) AS warned,
       f.outcome = 'error' AND EXISTS (SELECT 1 FROM ord, unnest(ord.intended) AS i
                                       WHERE i <> '' AND f.message LIKE i || '%') AS intended
FROM realdata.corpus_fits AS f;

CREATE TEMP VIEW pct(f, label) AS
SELECT f, rtrim(rtrim(round((f * 100)::numeric, 2)::text, '0'), '.') || ' %'
FROM ord, unnest(ord.fractions) AS f;

SELECT '## Outcomes';
SELECT '';
SELECT '| data set | method | fraction | rows drawn (mean) | fits | model | model + WARNING | ERROR | NULL | ms per fit (mean) |';
SELECT '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              f.dataset, f.method, p.label, round(avg(f.rows_sampled)), count(*),
              count(*) FILTER (WHERE f.outcome = 'model' AND NOT f.warned),
              count(*) FILTER (WHERE f.warned),
              count(*) FILTER (WHERE f.outcome = 'error'),
              count(*) FILTER (WHERE f.outcome = 'null'),
              round(avg(f.ms)::numeric, 1))
FROM fits AS f JOIN pct AS p ON p.f = f.fraction, ord
GROUP BY f.dataset, f.method, f.fraction, p.label, ord.datasets, ord.methods
ORDER BY array_position(ord.datasets, f.dataset), array_position(ord.methods, f.method), f.fraction;

-- every message: the errors (with the feature their detail names) and the
-- warnings of the fits that returned a model, counted per fraction
CREATE TEMP VIEW messages AS
SELECT dataset, method, fraction, 'ERROR ' || sqlstate AS kind,
       realdata.corpus_label(message, detail) AS message,
       CASE WHEN intended THEN 'yes' ELSE 'no' END AS intended
FROM fits WHERE outcome = 'error'
UNION ALL
SELECT w.dataset, w.method, w.fraction, 'WARNING', w.message, ''
FROM realdata.corpus_warnings AS w
JOIN realdata.corpus_fits AS f USING (dataset, method, fraction, replicate)
WHERE f.outcome = 'model';

SELECT '';
SELECT '## Messages (count per fraction)';
SELECT '';
SELECT '| data set | method | kind | message | ' || string_agg(label, ' | ' ORDER BY f) || ' | intended refusal |' FROM pct;
SELECT '| --- | --- | --- | --- | ' || string_agg('---:', ' | ') || ' | --- |' FROM pct;
WITH g AS (
    SELECT dataset, method, kind, message, intended, fraction, count(*) AS n
    FROM messages GROUP BY 1, 2, 3, 4, 5, 6)
SELECT format('| %s | %s | %s | %s | %s | %s |', k.dataset, k.method, k.kind, k.message,
              (SELECT string_agg(coalesce(g.n, 0)::text, ' | ' ORDER BY p.f)
               FROM pct AS p
               LEFT JOIN g ON g.fraction = p.f AND (g.dataset, g.method, g.kind, g.message)
                                                 = (k.dataset, k.method, k.kind, k.message)),
              k.intended)
FROM (SELECT DISTINCT dataset, method, kind, message, intended FROM g) AS k, ord
ORDER BY array_position(ord.datasets, k.dataset), array_position(ord.methods, k.method), k.kind, k.message;

SELECT '';
SELECT format('fits %s: %s models (%s with a WARNING), %s errors (%s intended refusals), %s NULL',
              count(*), count(*) FILTER (WHERE outcome = 'model'), count(*) FILTER (WHERE warned),
              count(*) FILTER (WHERE outcome = 'error'), count(*) FILTER (WHERE intended),
              count(*) FILTER (WHERE outcome = 'null'))
FROM fits;
-- for corpus.sh's verdict
SELECT 'unexpected_class=' || count(*) FROM fits WHERE outcome = 'error' AND sqlstate NOT LIKE '22%';
SELECT 'unintended=' || count(*) FROM fits WHERE outcome = 'error' AND NOT intended;
