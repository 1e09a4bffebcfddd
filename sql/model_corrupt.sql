-- Damaged and forged models: every function that reads a model rejects them
-- with SQLSTATE XX001 (data_corrupted) and a clear message, and the backend
-- survives.  Byte offsets below follow format version 2 in
-- src/core/model_format.c: a 20-byte header (magic "FGLM", version, byte
-- order mark, flags, total length), the body, and a CRC-32C of everything
-- before it in the last 4 bytes.  The body starts with the options block
-- (514 bytes; the method code is byte 30), then the counts (p at 550,
-- n_strata at 554, has_feature_names at 559), the intercept (560) and the
-- coefficients (568), then the strata (the int model's from 592 on); the
-- weights, sensitive attributes and fairness terms follow, then the inference
-- part (for p = 3 and 30 strata 415 bytes: type and flags, the 4 x 4
-- covariance, 30 standard errors, likelihoods, degrees of freedom, the
-- target level reached, time and version "1.1") and the 48 bytes of the
-- continuous-outcome part (NaN statistics and no thresholds for binomial).
\set VERBOSITY default
CREATE TEMP TABLE mc_start AS SELECT pg_postmaster_start_time() AS t;

-- models with integer strata (p = 3, 30 strata: 2093 bytes), text strata and
-- feature names.  The text checks assume a UTF8 database, as tools/pg_cluster.sh makes.
CREATE TABLE mc_models AS
SELECT 'int' AS name, fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM d
UNION ALL
SELECT 'text', fairglmm_fit(y, x, g::text, s, 0.8, 1, '{"method": "fair_crlr"}') FROM d
UNION ALL
SELECT 'names', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["age", "income", "score"]}') FROM d;
SELECT name, length(m) FROM mc_models ORDER BY name;

-- CRC-32C (Castagnoli), written independently of the C code, so that forged
-- models with a valid checksum reach the body parser
CREATE FUNCTION mc_crc32c(b bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  tab bigint[] := array_fill(0::bigint, ARRAY[256]);
  crc bigint := 4294967295;
  c bigint;
BEGIN
  FOR i IN 0..255 LOOP
    c := i;
    FOR k IN 1..8 LOOP
      c := CASE WHEN c & 1 = 1 THEN (c >> 1) # 2197175160 ELSE c >> 1 END;  -- 0x82F63B78
    END LOOP;
    tab[i + 1] := c;
  END LOOP;
  FOR i IN 0..length(b) - 1 LOOP
    crc := tab[((crc # get_byte(b, i)) & 255) + 1] # (crc >> 8);
  END LOOP;
  RETURN crc # 4294967295;
END $$;
CREATE FUNCTION mc_le(v bigint, n int) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT decode(string_agg(lpad(to_hex((v >> (8 * k)) & 255), 2, '0'), '' ORDER BY k), 'hex')
  FROM generate_series(0, n - 1) AS k $$;
-- replace the last 4 bytes by the checksum of the rest
CREATE FUNCTION mc_fix_crc(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT substr(b, 1, length(b) - 4) || mc_le(mc_crc32c(substr(b, 1, length(b) - 4)), 4) $$;
-- a body in a valid header with a valid checksum
CREATE FUNCTION mc_frame(body bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT mc_fix_crc('\x46474c4d0200fffe00000000'::bytea || mc_le(length(body) + 24, 8)
                    || body || '\x00000000'::bytea) $$;
CREATE FUNCTION mc_flip(b bytea, i int) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT set_byte(b, i, get_byte(b, i) # 255) $$;
-- deterministic pseudo-random bytes
CREATE FUNCTION mc_random_bytes(seed text, len int) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT substr(decode(string_agg(md5(seed || ':' || k), '' ORDER BY k), 'hex'), 1, len)
  FROM generate_series(0, len / 16) AS k $$;
SELECT to_hex(mc_crc32c('123456789')) AS crc_check_value,
       bool_and(mc_fix_crc(m) = m) AS crc_matches_c,
       bool_and(mc_frame(substr(m, 21, length(m) - 24)) = m) AS frame_matches_c
FROM mc_models;

-- The SQLSTATE of one call of one function ('ok' when it succeeds).  Scalar
-- calls are simple plpgsql expressions, whose decoded-model cache lives across
-- calls: every variant after the first also tests the cache's invalidation.
CREATE FUNCTION mc_try(fn text, m bytea, g anyelement) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  x float8[] := '{0.5,-1,2}';
  f float8;
  b boolean;
  j jsonb;
  n bigint;
BEGIN
  CASE fn
    WHEN 'predict' THEN f := fairglmm_predict(m, x, g);
    WHEN 'predict_population' THEN f := fairglmm_predict(m, x);
    WHEN 'classify' THEN b := fairglmm_classify(m, x, g);
    WHEN 'classify_threshold' THEN b := fairglmm_classify(m, x, g, 0.5);
    WHEN 'info' THEN j := fairglmm_info(m);
    WHEN 'coefficients' THEN SELECT count(*) INTO n FROM fairglmm_coefficients(m);
    WHEN 'random_effects' THEN SELECT count(*) INTO n FROM fairglmm_random_effects(m);
    WHEN 'vcov' THEN SELECT count(*) INTO n FROM fairglmm_vcov(m);
    WHEN 'summary' THEN n := length(fairglmm_summary(m));
  END CASE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
CREATE TABLE mc_fns AS
SELECT * FROM unnest(ARRAY['predict', 'predict_population', 'classify', 'classify_threshold',
                           'info', 'coefficients', 'random_effects', 'vcov', 'summary'])
       WITH ORDINALITY AS f(fn, ord);

-- valid models pass every function
SELECT fn, mc_try(fn, (SELECT m FROM mc_models WHERE name = 'int'), 7) AS int_model,
       mc_try(fn, (SELECT m FROM mc_models WHERE name = 'int'), 7::bigint) AS bigint_strata,
       mc_try(fn, (SELECT m FROM mc_models WHERE name = 'text'), '7'::text) AS text_model
FROM mc_fns ORDER BY ord;

-- NULL model: NULL, or no rows from the set-returning functions
SELECT fairglmm_predict(NULL, '{0,0,0}', 1) IS NULL AS predict,
       fairglmm_predict(NULL, '{0,0,0}') IS NULL AS predict_population,
       fairglmm_classify(NULL, '{0,0,0}', 1) IS NULL AS classify,
       fairglmm_classify(NULL, '{0,0,0}', 1, 0.5) IS NULL AS classify_threshold,
       fairglmm_info(NULL) IS NULL AS info,
       (SELECT count(*) FROM fairglmm_coefficients(NULL)) AS coefficients,
       (SELECT count(*) FROM fairglmm_random_effects(NULL)) AS random_effects;

-- the messages
SELECT fairglmm_info(''::bytea);
SELECT fairglmm_info(overlay(m PLACING 'XXXX'::bytea FROM 1 FOR 4)) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(set_byte(m, 4, 3)) FROM mc_models WHERE name = 'int';
-- version 3 is refused as such even with a valid checksum
SELECT fairglmm_info(mc_fix_crc(set_byte(m, 4, 3))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(set_byte(set_byte(m, 6, 254), 7, 255)) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(set_byte(m, 8, 1)) FROM mc_models WHERE name = 'int';
SELECT fairglmm_predict(substr(m, 1, length(m) - 1), '{0,0,0}', 1) FROM mc_models WHERE name = 'int';
SELECT fairglmm_classify(m || '\x00'::bytea, '{0,0,0}', 1) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(m || m) FROM mc_models WHERE name = 'int';
-- a byte in the middle (989: a stratum key) flipped; the two checksums
-- depend on the fitted values, so they are masked here and checked below
DO $$
DECLARE
  st text; msg text; det text; hnt text;
BEGIN
  PERFORM fairglmm_info(mc_flip(m, 989)) FROM mc_models WHERE name = 'int';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
  RAISE NOTICE '%: %', st, msg
    USING DETAIL = regexp_replace(det, '0x[0-9A-F]{8}', '0x________', 'g'), HINT = hnt;
END $$;
CREATE FUNCTION mc_detail(m bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE det text;
BEGIN
  PERFORM fairglmm_info(m);
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
  RETURN det;
END $$;
SELECT mc_detail(mc_flip(m, 989))
       = format('The checksum does not match: stored 0x%s, computed 0x%s.',
                upper(lpad(to_hex(mc_crc32c(substr(m, 1, length(m) - 4))), 8, '0')),
                upper(lpad(to_hex(mc_crc32c(substr(mc_flip(m, 989), 1, length(m) - 4))), 8, '0')))
       AS checksums_as_computed_in_sql
FROM mc_models WHERE name = 'int';
-- checksummed forgeries reach the body parser: the same key byte, a method
-- code, an option name, an option out of range (the top byte of nu),
-- a covariate count, a stratum count, a flag, a NaN intercept
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 989))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 30))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 32))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 190))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 553))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 554))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_info(mc_fix_crc(mc_flip(m, 559))) FROM mc_models WHERE name = 'int';
SELECT fairglmm_predict(mc_fix_crc(overlay(m PLACING '\x000000000000f87f'::bytea FROM 561 FOR 8)), '{0,0,0}', 1)
FROM mc_models WHERE name = 'int';
-- a text stratum label that is not valid UTF-8 (the last key, "9", so the
-- keys stay sorted) is rejected by every function: the model never emits it
-- (the last key sits 16 bytes before the fit statistics, separation report,
-- the fairness part of one binary attribute and one term, the inference
-- and continuous parts and the checksum at the end: 678 bytes before the end)
CREATE TABLE mc_bad_label AS
SELECT get_byte(m, length(m) - 678) = ascii('9') AS is_last_key, mc_fix_crc(mc_flip(m, length(m) - 678)) AS m
FROM mc_models WHERE name = 'text';
SELECT is_last_key, fairglmm_predict(m, '{0,0,0}', '9') = fairglmm_predict(m, '{0,0,0}') AS label_not_found,
       fairglmm_info(m) ->> 'n_strata' AS n_strata
FROM mc_bad_label;
SELECT count(*) FROM mc_bad_label, fairglmm_random_effects(m);
-- the same for a zero byte in a label ("30" becomes "3\0", still in order)
SELECT count(*)
FROM (SELECT mc_fix_crc(set_byte(m, 1100, 0)) AS m FROM mc_models
      WHERE name = 'text' AND substr(m, 1100, 2) = '30'::bytea) AS q, fairglmm_random_effects(m);

-- wrong-length x and strata of the wrong type are errors for a valid model
SELECT fairglmm_predict(m, '{1,2}', 1) FROM mc_models WHERE name = 'int';
SELECT fairglmm_classify(m, '{1,2,3,4}', 1, 0.5) FROM mc_models WHERE name = 'int';
SELECT fairglmm_predict(m, '{1,2,3}', '7'::text) FROM mc_models WHERE name = 'int';
SELECT fairglmm_classify(m, '{1,2,3}', 7) FROM mc_models WHERE name = 'text';

-- Every truncation (lengths 0 .. 2092) and every single byte flipped
-- (xor 0xFF, checksum left alone): all rejected by every function.
CREATE TABLE mc_variants AS
SELECT 'truncated' AS kind, n AS pos, substr(m, 1, n) AS m
FROM mc_models, generate_series(0, length(m) - 1) AS n WHERE name = 'int'
UNION ALL
SELECT 'flipped', i, mc_flip(m, i)
FROM mc_models, generate_series(0, length(m) - 1) AS i WHERE name = 'int';
SELECT kind, fn, count(*) AS variants, count(*) FILTER (WHERE r = 'XX001') AS rejected,
       string_agg(DISTINCT r, ',') AS outcomes
FROM mc_variants, mc_fns, LATERAL mc_try(fn, m, 7) AS r
GROUP BY kind, fn, ord ORDER BY kind, ord;

-- Every byte before the checksum flipped, checksum recomputed.  A flip in a
-- number the parser cannot check (an option, a coefficient, a count of rows,
-- a statistic) gives a valid model; everything else is rejected.  Either way
-- the outcome is 'ok' or XX001, nothing else.
CREATE TABLE mc_forged AS
SELECT name, i AS pos, mc_fix_crc(mc_flip(m, i)) AS m
FROM mc_models, generate_series(0, length(m) - 5) AS i WHERE name IN ('int', 'text');
SELECT name, fn, count(*) AS variants, count(*) FILTER (WHERE r = 'ok') AS accepted,
       count(*) FILTER (WHERE r = 'XX001') AS rejected
FROM mc_forged, mc_fns,
     LATERAL (SELECT CASE name WHEN 'int' THEN mc_try(fn, mc_forged.m, 7)
                               ELSE mc_try(fn, mc_forged.m, '7'::text) END) AS t(r)
GROUP BY name, fn, ord ORDER BY name, ord;

-- Random bytes: bare, and as bodies in a valid header with a valid checksum.
SELECT len, count(*) FILTER (WHERE mc_try(fn, mc_random_bytes('bare', len), 7) = 'XX001') AS rejected
FROM unnest(ARRAY[1, 4, 19, 23, 24, 25, 100, 1488, 4096]) AS len, mc_fns
GROUP BY len ORDER BY len;
WITH bodies AS MATERIALIZED (
  SELECT mc_frame(mc_random_bytes('body' || k, len)) AS m
  FROM generate_series(1, 60) AS k, unnest(ARRAY[0, 1, 372, 514, 515, 1200]) AS len)
SELECT count(*) AS variants, count(*) FILTER (WHERE r = 'XX001') AS rejected
FROM bodies, mc_fns, LATERAL mc_try(fn, m, 7) AS r;
SELECT len, bool_and(mc_try(fn, mc_frame(decode(repeat(b, len), 'hex')), 7) = 'XX001') AS rejected
FROM unnest(ARRAY[1, 514, 1200]) AS len, unnest(ARRAY['00', 'ff']) AS b, mc_fns
GROUP BY len ORDER BY len;

-- The decoded-model cache: valid and damaged models of the same length in
-- turn through one call site.
SELECT string_agg(mc_try('info', m, 7), ' ' ORDER BY k) AS outcomes
FROM (SELECT k, CASE WHEN k % 2 = 0 THEN m ELSE mc_flip(m, 100 + k) END AS m
      FROM mc_models, generate_series(0, 7) AS k WHERE name = 'int') AS q;
-- two valid models of the same length (the second with another intercept)
-- alternating row by row give the predictions of each model alone
SELECT count(*) AS rows, bool_and(p_alt = CASE WHEN id % 2 = 0 THEN p_a ELSE p_b END) AS same
FROM (SELECT id, fairglmm_predict(CASE WHEN id % 2 = 0 THEN a ELSE b END, x, g) AS p_alt,
             fairglmm_predict(a, x, g) AS p_a, fairglmm_predict(b, x, g) AS p_b
      FROM d, (SELECT m AS a, mc_fix_crc(mc_flip(m, 560)) AS b
               FROM mc_models WHERE name = 'int') AS q) AS r;
-- a damaged model after thousands of valid calls in one scan
SELECT count(p)
FROM (SELECT fairglmm_predict(CASE WHEN id = 2999 THEN mc_flip(m, 8) ELSE m END, x, g) AS p
      FROM d, mc_models WHERE name = 'int') AS r;

-- A forged feature name that is not valid UTF-8 (the checksum recomputed):
-- like stratum labels, it must never be emitted as text.
SELECT mc_try('coefficients', f, 7) AS coefficients, mc_try('info', f, 7) AS info
FROM (SELECT mc_fix_crc(mc_flip(m, position('age'::bytea IN m) - 1)) AS f
      FROM mc_models WHERE name = 'names') AS q;

-- the server did not restart (no backend crashed)
SELECT pg_postmaster_start_time() = t AS same_postmaster FROM mc_start;

-- Coefficients near the double limit (forged, checksum recomputed) with x = 2:
-- x'beta is +infinity plus -infinity.  Scoring refuses to return NaN.
CREATE FUNCTION mc_f64(v float8) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT string_agg(substr(float8send(v), i, 1), ''::bytea ORDER BY i DESC)
  FROM generate_series(1, 8) AS i $$;
CREATE TABLE mc_extreme AS
SELECT mc_fix_crc(overlay(overlay(m PLACING mc_f64(1.7e308) FROM 569 FOR 8)
                          PLACING mc_f64(-1.7e308) FROM 577 FOR 8)) AS m
FROM mc_models WHERE name = 'int';
SELECT (SELECT array_agg(estimate) FROM fairglmm_coefficients(m))[2:3] AS forged,
       fairglmm_predict(m, '{1,1,0}', 1) BETWEEN 0 AND 1 AS finite_eta,
       fairglmm_predict(m, '{2,0,0}', 1) AS plus_infinity,
       fairglmm_classify(m, '{0,2,0}', 1) AS minus_infinity
FROM mc_extreme;
SELECT fairglmm_predict(m, '{2,2,0}', 1) FROM mc_extreme;
SELECT fairglmm_classify(m, '{2,2,0}', 1, 0.5) FROM mc_extreme;
SELECT fairglmm_predict(m, '{2,2,0}') FROM mc_extreme;
SELECT pg_postmaster_start_time() = t AS same_postmaster FROM mc_start;

-- The fairness part at the end of a version-2 model (the int model: one
-- binary attribute of two integer labels, one term), forged with the
-- checksum recomputed: from the end, the checksum (4 bytes), the
-- continuous-outcome part (48) and the inference part (415 bytes; offsets
-- below add both), one disparate
-- impact (8) and its count (4), the term (49: attribute u32, category u32,
-- outcome i8, five f64), the term count (4), the attribute (29: key type,
-- category count, two labels) and the attribute count (4).
SELECT what, mc_detail(mc_fix_crc(set_byte(m, length(m) - 463 - off, v))) AS detail
FROM mc_models, (VALUES ('term attribute', 65, 1), ('term category', 61, 2), ('term outcome', 57, 5),
                        ('term share', 41, 255), ('term count', 67, 4), ('key type', 98, 9),
                        ('category count', 94, 255), ('attribute count', 102, 17),
                        ('disparate impact count', 16, 2), ('weighted flag', 111, 2)) AS f(what, off, v)
WHERE mc_models.name = 'int' ORDER BY off;
SELECT pg_postmaster_start_time() = t AS same_postmaster FROM mc_start;

-- The inference part at the end of a version-2 model (the int model: p = 3,
-- 30 strata), forged with the checksum recomputed: from the end, the
-- checksum (4), the continuous-outcome part (48, offsets below add it), the version "1.1" (3) and its length (1), created_at (8),
-- the target level reached (8, NaN here), edf, null_loglik, loglik (8 each), the 30 standard errors (240), their
-- flag (1), the 4 x 4 covariance (128), its flag (1) and the type (1).
-- Bytes are little-endian: a double's sign and exponent are its last byte.
-- The fitted values the messages quote are masked as #.
SELECT what, regexp_replace(mc_detail(mc_fix_crc(set_byte(m, length(m) - 48 - off, v))),
                            '-?[0-9]+\.[0-9]+(e[-+][0-9]+)?', '#', 'g') AS detail
FROM mc_models, (VALUES ('version byte', 6, 7), ('version length', 8, 33),
                        ('target level sign', 17, 63), ('edf sign', 25, 191), ('loglik sign', 41, 63),
                        ('standard error sign', 49, 191), ('standard errors flag', 289, 2),
                        ('variance sign', 290, 191), ('covariance entry', 402, 127),
                        ('covariance flag', 418, 2), ('covariance type', 419, 2),
                        ('unknown type', 419, 9)) AS f(what, off, v)
WHERE mc_models.name = 'int' ORDER BY off;

-- The continuous-outcome part at the end (a binomial model: NaN statistics,
-- no thresholds), forged with the checksum recomputed: from the end, the
-- checksum (4), the threshold count (4), parity_ks and the gap (8 each), the
-- sweeps (4), r2, rmse and sigma2 (8 each).
SELECT what, regexp_replace(mc_detail(mc_fix_crc(set_byte(m, length(m) - off, v))),
                            '-?[0-9]+\.[0-9]+(e[-+][0-9]+)?', '#', 'g') AS detail
FROM mc_models, (VALUES ('threshold count', 8, 2), ('threshold count beyond the limit', 7, 255),
                        ('sweeps', 28, 3), ('r2 exponent', 29, 63), ('sigma2 exponent', 45, 63)) AS f(what, off, v)
WHERE mc_models.name = 'int' ORDER BY off;
SELECT pg_postmaster_start_time() = t AS same_postmaster FROM mc_start;
