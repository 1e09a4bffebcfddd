-- Memory of one backend that scores a million rows and fits many models in
-- one session: /proc/self/status of this backend after each round.  Round 0
-- warms up (caches, shared buffers, OpenBLAS); the later rounds repeat the
-- same work and must not keep growing.  Run by test/load/memory.sh, which
-- parses the "mem|..." lines.
\set ON_ERROR_STOP 1
SET client_min_messages = error;
\pset tuples_only on
\pset format unaligned
CREATE EXTENSION fairglmm;

-- a million rows to score, and 20 groups of 1000 rows to fit on
CREATE TABLE lm AS
SELECT i AS id, i % 100 AS g, (i % 3 = 0)::int AS s,
       ARRAY[sin(i), cos(i * 0.7), sin(i * 0.13)] AS x
FROM generate_series(1, 1000000) AS i;
SELECT setseed(0.61) \gset
CREATE TABLE lm_fit AS
SELECT i AS id, i % 20 AS grp, (i / 20) % 10 AS g, s, x,
       random() < 1 / (1 + exp(-(0.2 + 0.9 * x[1] - 0.6 * x[2] + 0.5 * x[3] + 0.6 * s))) AS y
FROM (SELECT i, (random() < 0.4)::int AS s,
             ARRAY[random() * 4 - 2, random() * 4 - 2, random() * 4 - 2] AS x
      FROM generate_series(0, 19999) AS i) AS q;
CREATE TABLE lm_model AS
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM lm_fit;

CREATE FUNCTION lm_status(field text) RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'), field || ':\s+(\d+) kB'))[1]::bigint $$;
SELECT 'pid|' || pg_backend_pid();

\set round 0
\ir memory_round.sql
\set round 1
\ir memory_round.sql
\set round 2
\ir memory_round.sql
\set round 3
\ir memory_round.sql
\set round 4
\ir memory_round.sql
