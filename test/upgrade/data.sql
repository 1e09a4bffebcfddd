-- 1,200 rows in 12 strata, deterministic without a random generator, for the
-- upgrade fixtures: three features, a sensitive attribute that shifts the label.
CREATE TABLE upgrade_rows AS
SELECT i AS id, i % 12 AS g, (i % 3 = 0)::int AS s,
       ARRAY[sin(i * 0.7), cos(i * 1.3), (i % 7) / 3.0] AS x,
       sin(i * 0.7) + 0.5 * cos(i * 1.3) + 0.8 * (i % 3 = 0)::int + 0.3 * sin(i % 12) + sin(i * 12.9898) > 0.4 AS y
FROM generate_series(1, 1200) AS i;
