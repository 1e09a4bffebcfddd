-- One round of memory.sql: a million predictions, a million classifications
-- into disparate_impact, 120 fits in a PL/pgSQL loop and 12 fits as
-- statements of their own (every method, penalised and constrained).
SELECT count(*) FILTER (WHERE p >= 0.5) > 0
FROM (SELECT fairglmm_predict((SELECT m FROM lm_model), x, g) AS p FROM lm) AS q;
SELECT disparate_impact(fairglmm_classify((SELECT m FROM lm_model), x, g), s) IS NOT NULL FROM lm;
DO $$
DECLARE
  methods text[] := ARRAY['lr', 'fair_lr', 'crlr', 'fair_crlr', 'glmm', 'fair_glmm'];
  m bytea;
BEGIN
  FOR i IN 0..119 LOOP
    SELECT fairglmm_fit(y, x, g, s, CASE WHEN i % 12 < 6 THEN 0.8 ELSE 0 END, 1,
                        jsonb_build_object('method', methods[i % 6 + 1], 'max_steps', 20)
                        || CASE WHEN i % 12 IN (7, 9) THEN '{"c": 0.01}'::jsonb ELSE '{}' END)
    INTO m FROM lm_fit WHERE grp = i % 20;
    PERFORM fairglmm_info(m), fairglmm_predict(m, '{0.1,0.2,0.3}', 3);
  END LOOP;
END $$;
SELECT length(fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}')) > 0 FROM lm_fit WHERE grp = 1;
SELECT length(fairglmm_fit(y, x, g, s, 0.8, 0, '{"method": "fair_lr"}')) > 0 FROM lm_fit WHERE grp = 2;
SELECT length(fairglmm_fit(y, x, g, s, 0, 0, '{"method": "fair_lr", "c": 0.01}')) > 0 FROM lm_fit WHERE grp = 3;
SELECT length(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}')) > 0 FROM lm_fit WHERE grp = 4;
SELECT length(fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}')) > 0 FROM lm_fit WHERE grp = 5;
SELECT length(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0.01}')) > 0 FROM lm_fit WHERE grp = 6;
SELECT length(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm", "max_steps": 20}')) > 0 FROM lm_fit WHERE grp = 7;
SELECT length(fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 20}')) > 0 FROM lm_fit WHERE grp = 8;
SELECT length(fairglmm_fit(y, x, g::text, s, 0.8, 1, '{"method": "fair_crlr"}')) > 0 FROM lm_fit WHERE grp = 9;
SELECT length(fairglmm_fit(y, x, g::bigint, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 20}')) > 0 FROM lm_fit WHERE grp = 10;
SELECT count(*) > 0 FROM lm_fit, LATERAL fairglmm_coefficients((SELECT m FROM lm_model)) WHERE grp = 11;
SELECT count(*) > 0 FROM fairglmm_random_effects((SELECT m FROM lm_model));
SELECT 'mem|' || :round || '|' || lm_status('VmRSS') || '|' || lm_status('RssAnon') || '|' || lm_status('RssShmem') || '|' || lm_status('VmHWM');
