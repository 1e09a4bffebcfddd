-- lr against an independent implementation: statsmodels Logit (Newton,
-- tol 1e-14) on two data sets made by test/reference/make_lr_reference.py
-- (committed in test/data/; tools/test.sh checks that the script still makes them).
CREATE TABLE ref_data (name text, id int, y int, s int, stratum int, x float8[]);
CREATE TABLE ref_coef (name text, term text, estimate float8);
CREATE TEMP TABLE staging (id int, y int, s int, stratum int, x float8[]);
CREATE TEMP TABLE staging_coef (term text, estimate float8);
\copy staging FROM 'test/data/lr1.csv' WITH (FORMAT csv, HEADER)
INSERT INTO ref_data SELECT 'lr1', * FROM staging;
TRUNCATE staging;
\copy staging FROM 'test/data/lr2.csv' WITH (FORMAT csv, HEADER)
INSERT INTO ref_data SELECT 'lr2', * FROM staging;
\copy staging_coef FROM 'test/data/lr1_ref.csv' WITH (FORMAT csv, HEADER)
INSERT INTO ref_coef SELECT 'lr1', * FROM staging_coef;
TRUNCATE staging_coef;
\copy staging_coef FROM 'test/data/lr2_ref.csv' WITH (FORMAT csv, HEADER)
INSERT INTO ref_coef SELECT 'lr2', * FROM staging_coef;

SELECT name, count(*) AS rows, max(array_length(x, 1)) AS p FROM ref_data GROUP BY name ORDER BY name;

-- every coefficient within 1e-6 relative of statsmodels
WITH fits AS (
  SELECT name, fairglmm_fit(y, x, stratum, s, 0, 0, '{"method": "lr"}') AS m
  FROM ref_data GROUP BY name)
SELECT f.name, count(*) AS terms,
       max(abs(c.estimate - r.estimate) / abs(r.estimate)) < 1e-6 AS within_1e_6
FROM fits f, fairglmm_coefficients(f.m) c
JOIN ref_coef r ON r.term = c.term
WHERE r.name = f.name
GROUP BY f.name ORDER BY f.name;

-- fair_lr with rho = 0 and the constrained form with a loose bound are lr too
WITH fits AS (
  SELECT name, fairglmm_fit(y, x, stratum, s, 0, 0, '{"method": "fair_lr"}') AS a,
         fairglmm_fit(y, x, stratum, s, 0, 0, '{"method": "fair_lr", "c": 1e6}') AS b
  FROM ref_data GROUP BY name)
SELECT f.name,
       max(abs(ca.estimate - r.estimate) / abs(r.estimate)) < 1e-6 AS fair_rho0,
       max(abs(cb.estimate - r.estimate) / abs(r.estimate)) < 1e-6 AS loose_c
FROM fits f, fairglmm_coefficients(f.a) ca
JOIN fairglmm_coefficients(f.b) cb USING (term)
JOIN ref_coef r USING (term)
WHERE r.name = f.name
GROUP BY f.name ORDER BY f.name;
