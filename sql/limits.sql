-- Resource limits: the training memory cap and query cancellation.
\set VERBOSITY default
CREATE TABLE big AS
SELECT i AS id, i % 1000 AS g, (i % 3 = 0)::int AS s,
       ARRAY(SELECT sin(i * j) FROM generate_series(1, 20) AS j) AS x,
       (i * 7919) % 10 < 4 AS y
FROM generate_series(1, 200000) AS i;

-- a memory cap below what the rows need stops the fit with a hint
-- (serially: a parallel worker reaching the cap first would add a CONTEXT line)
SET max_parallel_workers_per_gather = 0;
SET fairglmm.max_training_memory = '2MB';
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM big;
RESET fairglmm.max_training_memory;
RESET max_parallel_workers_per_gather;
SHOW fairglmm.max_training_memory;

-- a long fit stops on statement_timeout, and the session stays usable
-- (a tiny c forces dozens of Newton solves in the multiplier search)
SET statement_timeout = '1s';
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0, "tol": 1e-300}') FROM big;
RESET statement_timeout;
SELECT 1 AS still_usable;

-- OpenBLAS threads in a backend (1 by default: parallelism comes from workers)
SHOW fairglmm.blas_threads;
