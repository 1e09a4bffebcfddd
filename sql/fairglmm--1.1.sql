-- fairglmm 1.1: fair logistic regression and mixed models for stratified survey data.
\echo Use "CREATE EXTENSION fairglmm" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Training: fairglmm_fit(y, x, strata, sensitive, rho, lambda [, options])
-- One C transition function serves every argument type combination.
-- ---------------------------------------------------------------------------

CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, boolean, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, integer, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, boolean, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, integer, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, boolean, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, integer, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, boolean, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, integer, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, boolean, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, integer, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, boolean, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, integer, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, boolean, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], integer, integer, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, boolean, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], bigint, integer, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, boolean, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, boolean, float8[], text, integer, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, boolean, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], integer, integer, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, boolean, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], bigint, integer, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, boolean, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, integer, float8[], text, integer, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION fairglmm_fit_finalfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_fit_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

-- Parallel aggregation: workers serialise their rows (a versioned, checksummed
-- format), the leader deserialises and combines them, then fits once.
CREATE FUNCTION fairglmm_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_fit_serialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_combinefn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata integer, sensitive boolean, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata integer, sensitive integer, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata bigint, sensitive boolean, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata bigint, sensitive integer, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata text, sensitive boolean, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata text, sensitive integer, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata integer, sensitive boolean, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata integer, sensitive integer, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata bigint, sensitive boolean, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata bigint, sensitive integer, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata text, sensitive boolean, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata text, sensitive integer, rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata integer, sensitive boolean, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata integer, sensitive integer, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata bigint, sensitive boolean, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata bigint, sensitive integer, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata text, sensitive boolean, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y boolean, x float8[], strata text, sensitive integer, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata integer, sensitive boolean, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata integer, sensitive integer, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata bigint, sensitive boolean, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata bigint, sensitive integer, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata text, sensitive boolean, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y integer, x float8[], strata text, sensitive integer, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);

-- ---------------------------------------------------------------------------
-- Scoring
-- ---------------------------------------------------------------------------

CREATE FUNCTION fairglmm_predict(model bytea, x float8[], strata integer)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_predict(model bytea, x float8[], strata bigint)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_predict(model bytea, x float8[], strata text)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_predict(model bytea, x float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict_population' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata integer)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata integer, threshold float8)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata bigint, threshold float8)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata text)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata text, threshold float8)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- ---------------------------------------------------------------------------
-- Introspection
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_info(model bytea)
RETURNS jsonb AS 'MODULE_PATHNAME', 'fairglmm_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION fairglmm_coefficients(model bytea)
RETURNS TABLE (term text, estimate float8)
AS 'MODULE_PATHNAME', 'fairglmm_coefficients' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;

CREATE FUNCTION fairglmm_random_effects(model bytea)
RETURNS TABLE (stratum text, effect float8, n bigint)
AS 'MODULE_PATHNAME', 'fairglmm_random_effects' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;

-- ---------------------------------------------------------------------------
-- The option table
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_options()
RETURNS TABLE (name text, given_as text, type text, default_value text, valid_values text, description text)
AS 'MODULE_PATHNAME', 'fairglmm_options' LANGUAGE C STABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION fairglmm_options() IS 'The settings of fairglmm_fit: name, argument or options key, type, default, valid values and meaning';

-- ---------------------------------------------------------------------------
-- Fairness metric: disparate_impact(yhat, sensitive)
-- State {n0, pos0, n1, pos1}: combinable, and invertible for sliding windows.
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_di_combinefn(bigint[], bigint[])
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_combinefn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_di_finalfn(bigint[])
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_di_finalfn' LANGUAGE C STRICT PARALLEL SAFE;

CREATE FUNCTION fairglmm_di_transfn(bigint[], boolean, boolean)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_di_invfn(bigint[], boolean, boolean)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE AGGREGATE disparate_impact(yhat boolean, sensitive boolean) (
    SFUNC = fairglmm_di_transfn, STYPE = bigint[], INITCOND = '{0,0,0,0}',
    FINALFUNC = fairglmm_di_finalfn, COMBINEFUNC = fairglmm_di_combinefn,
    MSFUNC = fairglmm_di_transfn, MINVFUNC = fairglmm_di_invfn,
    MSTYPE = bigint[], MINITCOND = '{0,0,0,0}', MFINALFUNC = fairglmm_di_finalfn,
    PARALLEL = SAFE);
CREATE FUNCTION fairglmm_di_transfn(bigint[], boolean, integer)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_di_invfn(bigint[], boolean, integer)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE AGGREGATE disparate_impact(yhat boolean, sensitive integer) (
    SFUNC = fairglmm_di_transfn, STYPE = bigint[], INITCOND = '{0,0,0,0}',
    FINALFUNC = fairglmm_di_finalfn, COMBINEFUNC = fairglmm_di_combinefn,
    MSFUNC = fairglmm_di_transfn, MINVFUNC = fairglmm_di_invfn,
    MSTYPE = bigint[], MINITCOND = '{0,0,0,0}', MFINALFUNC = fairglmm_di_finalfn,
    PARALLEL = SAFE);
CREATE FUNCTION fairglmm_di_transfn(bigint[], integer, boolean)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_di_invfn(bigint[], integer, boolean)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE AGGREGATE disparate_impact(yhat integer, sensitive boolean) (
    SFUNC = fairglmm_di_transfn, STYPE = bigint[], INITCOND = '{0,0,0,0}',
    FINALFUNC = fairglmm_di_finalfn, COMBINEFUNC = fairglmm_di_combinefn,
    MSFUNC = fairglmm_di_transfn, MINVFUNC = fairglmm_di_invfn,
    MSTYPE = bigint[], MINITCOND = '{0,0,0,0}', MFINALFUNC = fairglmm_di_finalfn,
    PARALLEL = SAFE);
CREATE FUNCTION fairglmm_di_transfn(bigint[], integer, integer)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_di_invfn(bigint[], integer, integer)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'fairglmm_di_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE AGGREGATE disparate_impact(yhat integer, sensitive integer) (
    SFUNC = fairglmm_di_transfn, STYPE = bigint[], INITCOND = '{0,0,0,0}',
    FINALFUNC = fairglmm_di_finalfn, COMBINEFUNC = fairglmm_di_combinefn,
    MSFUNC = fairglmm_di_transfn, MINVFUNC = fairglmm_di_invfn,
    MSTYPE = bigint[], MINITCOND = '{0,0,0,0}', MFINALFUNC = fairglmm_di_finalfn,
    PARALLEL = SAFE);

-- ---------------------------------------------------------------------------
-- Documentation in the catalog
-- ---------------------------------------------------------------------------
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], integer, boolean, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], integer, integer, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], bigint, boolean, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], bigint, integer, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], text, boolean, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], text, integer, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], integer, boolean, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], integer, integer, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], bigint, boolean, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], bigint, integer, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], text, boolean, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], text, integer, float8, float8) IS 'Fit a Fair GLMM (componentwise boosting with a fairness penalty) and return the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], integer, boolean, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], integer, integer, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], bigint, boolean, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], bigint, integer, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], text, boolean, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(boolean, float8[], text, integer, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], integer, boolean, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], integer, integer, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], bigint, boolean, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], bigint, integer, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], text, boolean, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON AGGREGATE fairglmm_fit(integer, float8[], text, integer, float8, float8, jsonb) IS 'Fit a fair logistic model (method and settings in options) and return it as bytea';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[], integer) IS 'P(y = 1) for features x in a stratum; unseen or NULL strata get random effect 0';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], integer) IS 'Predicted class: P(y = 1) >= the threshold the model was trained with';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], integer, float8) IS 'Predicted class: P(y = 1) >= threshold';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[], bigint) IS 'P(y = 1) for features x in a stratum; unseen or NULL strata get random effect 0';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], bigint) IS 'Predicted class: P(y = 1) >= the threshold the model was trained with';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], bigint, float8) IS 'Predicted class: P(y = 1) >= threshold';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[], text) IS 'P(y = 1) for features x in a stratum; unseen or NULL strata get random effect 0';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], text) IS 'Predicted class: P(y = 1) >= the threshold the model was trained with';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], text, float8) IS 'Predicted class: P(y = 1) >= threshold';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[]) IS 'Population-level P(y = 1): the prediction with random effect 0';
COMMENT ON FUNCTION fairglmm_info(bytea) IS 'Everything a model records: method, options, data sizes, coefficients, convergence and training metrics';
COMMENT ON FUNCTION fairglmm_coefficients(bytea) IS 'Fixed effects of a model: intercept, then one row per feature';
COMMENT ON FUNCTION fairglmm_random_effects(bytea) IS 'Random intercept and training row count of every stratum of a model';
COMMENT ON AGGREGATE disparate_impact(boolean, boolean) IS 'Disparate impact min(r, 1/r) of predictions, r = P(yhat | s = 1) / P(yhat | s = 0); NULL if a group is empty';
COMMENT ON AGGREGATE disparate_impact(boolean, integer) IS 'Disparate impact min(r, 1/r) of predictions, r = P(yhat | s = 1) / P(yhat | s = 0); NULL if a group is empty';
COMMENT ON AGGREGATE disparate_impact(integer, boolean) IS 'Disparate impact min(r, 1/r) of predictions, r = P(yhat | s = 1) / P(yhat | s = 0); NULL if a group is empty';
COMMENT ON AGGREGATE disparate_impact(integer, integer) IS 'Disparate impact min(r, 1/r) of predictions, r = P(yhat | s = 1) / P(yhat | s = 0); NULL if a group is empty';
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
