-- The fairness notions do what they are for: on a simulated stratified data
-- set where the label depends on s beyond the features, equal_opportunity
-- brings the held-out true-positive rates of the groups together and
-- equalized_odds the true- and false-positive rates, as rho grows; the
-- constrained form holds every term of two attributes at zero.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.61);
CREATE TABLE notions AS
SELECT i AS id, g, s, cat, ARRAY[z1 + 0.8 * s, z2] AS x,
       u < 1 / (1 + exp(-(-0.4 + (z1 + 0.8 * s) - 0.7 * z2 + 0.9 * s + 0.3 * cat + sin(g)))) AS y,
       i % 2 = 0 AS train
FROM (SELECT i, (i * 7) % 40 AS g, (random() < 0.4)::int AS s, floor(random() * 3)::int AS cat,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
             random() AS u
      FROM generate_series(1, 10000) AS i) AS q;

CREATE TABLE notion_fits AS
SELECT notion, rho,
       fairglmm_fit(y, x, g, s, rho, 1, jsonb_build_object('method', 'fair_crlr', 'fairness', notion)) AS m
FROM notions, unnest(ARRAY['equal_opportunity', 'equalized_odds']) AS notion,
     unnest(ARRAY[0, 1000]::float8[]) AS rho
WHERE train GROUP BY notion, rho;

-- held-out ratios (1 = equal rates): each rises toward 1 under its notion
WITH scored AS (
    SELECT f.notion, f.rho,
           equal_opportunity_ratio(fairglmm_classify(f.m, n.x, n.g), n.y, n.s) AS tpr_ratio,
           equalized_odds_ratio(fairglmm_classify(f.m, n.x, n.g), n.y, n.s) AS eodds_ratio
    FROM notion_fits AS f, notions AS n WHERE NOT n.train GROUP BY f.notion, f.rho)
SELECT a.notion,
       CASE a.notion WHEN 'equal_opportunity' THEN b.tpr_ratio > a.tpr_ratio + 0.05 AND b.tpr_ratio > 0.95
                     ELSE b.eodds_ratio > a.eodds_ratio + 0.1 AND b.eodds_ratio > 0.9 END AS closer_to_equal
FROM scored AS a JOIN scored AS b ON a.notion = b.notion AND a.rho = 0 AND b.rho = 1000
ORDER BY 1;

-- the training covariances the notion penalises (large without the penalty)
-- are driven to zero
SELECT notion, rho, jsonb_array_length(fairglmm_info(m) -> 'fairness_terms') AS terms,
       (SELECT string_agg(t ->> 'rows', ', ') FROM jsonb_array_elements(fairglmm_info(m) -> 'fairness_terms') AS t) AS term_rows,
       (SELECT max(abs((t ->> 'covariance')::float8)) FROM jsonb_array_elements(fairglmm_info(m) -> 'fairness_terms') AS t) < 1e-3 AS small_cov
FROM notion_fits ORDER BY 1, 2;

-- two attributes (s binary, cat with 3 categories) held at zero for both
-- notions: 4 terms a group, every covariance 0, the multipliers of cat's
-- categories summing to zero in each group
CREATE TABLE notion_c AS
SELECT notion,
       fairglmm_fit(y, x, g, ARRAY[s, cat], 0, 1, jsonb_build_object('method', 'fair_crlr', 'fairness', notion, 'c', 0)) AS m
FROM notions, unnest(ARRAY['demographic_parity', 'equal_opportunity', 'equalized_odds']) AS notion
GROUP BY notion;
SELECT notion, jsonb_array_length(fairglmm_info(m) -> 'fairness_terms') AS terms,
       (SELECT max(abs((t ->> 'covariance')::float8)) < 1e-9
        FROM jsonb_array_elements(fairglmm_info(m) -> 'fairness_terms') AS t) AS all_zero,
       (SELECT bool_and(abs(s) < 1e-6 * (1 + a)) FROM (
            SELECT t ->> 'rows' AS grp, sum((t ->> 'multiplier')::float8) AS s,
                   sum(abs((t ->> 'multiplier')::float8)) AS a
            FROM jsonb_array_elements(fairglmm_info(m) -> 'fairness_terms') AS t
            WHERE (t ->> 'attribute')::int = 2 GROUP BY 1) AS q) AS cat_multipliers_sum_to_zero,
       (SELECT bool_and((t ->> 'multiplier')::float8 <> 0)
        FROM jsonb_array_elements(fairglmm_info(m) -> 'fairness_terms') AS t
        WHERE (t ->> 'attribute')::int = 1) AS s_binds
FROM notion_c ORDER BY 1;

DROP TABLE notions, notion_fits, notion_c;
