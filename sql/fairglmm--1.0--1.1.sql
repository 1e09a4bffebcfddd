-- fairglmm 1.0 -> 1.1.  The model format changed (version 2); models stored by
-- 1.0 (version 1) are still read by every function.
\echo Use "ALTER EXTENSION fairglmm UPDATE TO '1.1'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- New: the option table
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_options()
RETURNS TABLE (name text, given_as text, type text, default_value text, valid_values text, description text)
AS 'MODULE_PATHNAME', 'fairglmm_options' LANGUAGE C STABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION fairglmm_options() IS 'The settings of fairglmm_fit: name, argument or options key, type, default, valid values and meaning';

-- ---------------------------------------------------------------------------
-- The aggregates' support functions say that they are internal
-- ---------------------------------------------------------------------------
COMMENT ON FUNCTION fairglmm_fit_finalfn(internal) IS 'Internal: support function of a fairglmm aggregate; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_serialfn(internal) IS 'Internal: support function of fairglmm_fit (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_fit_deserialfn(bytea, internal) IS 'Internal: support function of fairglmm_fit (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_fit_combinefn(internal, internal) IS 'Internal: support function of fairglmm_fit (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_di_combinefn(bigint[], bigint[]) IS 'Internal: support function of a fairglmm aggregate; not for direct use';
COMMENT ON FUNCTION fairglmm_di_finalfn(bigint[]) IS 'Internal: support function of a fairglmm aggregate; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, boolean, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, integer, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, boolean, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, integer, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, boolean, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, integer, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, boolean, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, integer, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, boolean, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, integer, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, boolean, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, integer, float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, boolean, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, integer, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, boolean, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, integer, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, boolean, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, integer, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, boolean, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, integer, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, boolean, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, integer, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, boolean, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, integer, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_di_transfn(bigint[], boolean, boolean) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_invfn(bigint[], boolean, boolean) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_transfn(bigint[], boolean, integer) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_invfn(bigint[], boolean, integer) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_transfn(bigint[], integer, boolean) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_invfn(bigint[], integer, boolean) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_transfn(bigint[], integer, integer) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_di_invfn(bigint[], integer, integer) IS 'Internal: support function of disparate_impact; not for direct use';
