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
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_predict(model bytea, x float8[], strata bigint)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_predict(model bytea, x float8[], strata text)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_predict(model bytea, x float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_predict_population' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata integer)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata integer, threshold float8)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata bigint, threshold float8)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata text)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_classify(model bytea, x float8[], strata text, threshold float8)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_classify' LANGUAGE C STABLE PARALLEL SAFE;

-- ---------------------------------------------------------------------------
-- Introspection
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_info(model bytea)
RETURNS jsonb AS 'MODULE_PATHNAME', 'fairglmm_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION fairglmm_coefficients(model bytea, level float8 DEFAULT 0.95)
RETURNS TABLE (term text, estimate float8, std_error float8, z_value float8, p_value float8,
               conf_low float8, conf_high float8, odds_ratio float8)
AS 'MODULE_PATHNAME', 'fairglmm_coefficients' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;

CREATE FUNCTION fairglmm_random_effects(model bytea)
RETURNS TABLE (stratum text, effect float8, n bigint, std_error float8)
AS 'MODULE_PATHNAME', 'fairglmm_random_effects' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;

CREATE FUNCTION fairglmm_vcov(model bytea)
RETURNS TABLE (row_term text, col_term text, covariance float8)
AS 'MODULE_PATHNAME', 'fairglmm_vcov' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;

CREATE FUNCTION fairglmm_summary(model bytea)
RETURNS text AS 'MODULE_PATHNAME', 'fairglmm_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- ---------------------------------------------------------------------------
-- The option table
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_options()
RETURNS TABLE (name text, given_as text, type text, default_value text, valid_values text, description text)
AS 'MODULE_PATHNAME', 'fairglmm_options' LANGUAGE C STABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION fairglmm_options() IS 'The settings of fairglmm_fit: name, argument or options key, type, default, valid values and meaning';

-- ---------------------------------------------------------------------------
-- Fairness reporting.  The count-based aggregates share one internal state
-- (per group of the sensitive attribute: rows, weight, and the weight in
-- each cell of the confusion matrix) and these support functions; the
-- "selection" transitions take (yhat, sensitive [, weight]), the
-- "confusion" ones (yhat, y, sensitive [, weight]).  yhat, y and sensitive
-- are "any", checked at run time, so each aggregate has two signatures.
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_selection_transfn(internal, "any", "any")
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_selection_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_selection_transfn(internal, "any", "any", float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_selection_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_selection_invfn(internal, "any", "any")
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_selection_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_selection_invfn(internal, "any", "any", float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_selection_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_confusion_transfn(internal, "any", "any", "any")
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_confusion_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_confusion_transfn(internal, "any", "any", "any", float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_confusion_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_confusion_invfn(internal, "any", "any", "any")
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_confusion_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_confusion_invfn(internal, "any", "any", "any", float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_confusion_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_metric_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_metric_combinefn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_metric_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_metric_serialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_metric_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_metric_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION fairglmm_disparate_impact_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_disparate_impact_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_dp_difference_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_dp_difference_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_eo_ratio_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_eo_ratio_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_eo_difference_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_eo_difference_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_eodds_ratio_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_eodds_ratio_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_eodds_difference_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_eodds_difference_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_report_final(internal)
RETURNS jsonb AS 'MODULE_PATHNAME', 'fairglmm_report_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
-- parity_ks keeps every row; its final function sorts them in place, which
-- changes their order but not the state's contents (so it is READ_ONLY, the
-- default, and parity_ks works as a window function over growing frames)
CREATE FUNCTION fairglmm_ks_transfn(internal, float8, "any")
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_ks_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_ks_transfn(internal, float8, "any", float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_ks_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_ks_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_ks_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
-- parity_gap keeps per group the weight between consecutive thresholds
CREATE FUNCTION fairglmm_gap_transfn(internal, float8, "any", float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_gap_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_gap_transfn(internal, float8, "any", float8[], float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_gap_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_gap_invfn(internal, float8, "any", float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_gap_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_gap_invfn(internal, float8, "any", float8[], float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_gap_invfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_gap_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'fairglmm_gap_final' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

-- the aggregates of predictions (and labels); disparate_impact keeps its four
-- signatures of 1.0, with the same implementation as the new ones
CREATE AGGREGATE disparate_impact(yhat boolean, sensitive boolean) (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_disparate_impact_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_disparate_impact_final, PARALLEL = SAFE);
CREATE AGGREGATE disparate_impact(yhat boolean, sensitive integer) (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_disparate_impact_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_disparate_impact_final, PARALLEL = SAFE);
CREATE AGGREGATE disparate_impact(yhat integer, sensitive boolean) (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_disparate_impact_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_disparate_impact_final, PARALLEL = SAFE);
CREATE AGGREGATE disparate_impact(yhat integer, sensitive integer) (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_disparate_impact_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_disparate_impact_final, PARALLEL = SAFE);
CREATE AGGREGATE disparate_impact(yhat "any", sensitive "any") (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_disparate_impact_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_disparate_impact_final, PARALLEL = SAFE);
CREATE AGGREGATE disparate_impact(yhat "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_disparate_impact_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_disparate_impact_final, PARALLEL = SAFE);
CREATE AGGREGATE demographic_parity_difference(yhat "any", sensitive "any") (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_dp_difference_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_dp_difference_final, PARALLEL = SAFE);
CREATE AGGREGATE demographic_parity_difference(yhat "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_selection_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_dp_difference_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_selection_transfn, MINVFUNC = fairglmm_selection_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_dp_difference_final, PARALLEL = SAFE);
CREATE AGGREGATE equal_opportunity_ratio(yhat "any", y "any", sensitive "any") (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eo_ratio_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eo_ratio_final, PARALLEL = SAFE);
CREATE AGGREGATE equal_opportunity_ratio(yhat "any", y "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eo_ratio_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eo_ratio_final, PARALLEL = SAFE);
CREATE AGGREGATE equal_opportunity_difference(yhat "any", y "any", sensitive "any") (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eo_difference_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eo_difference_final, PARALLEL = SAFE);
CREATE AGGREGATE equal_opportunity_difference(yhat "any", y "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eo_difference_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eo_difference_final, PARALLEL = SAFE);
CREATE AGGREGATE equalized_odds_ratio(yhat "any", y "any", sensitive "any") (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eodds_ratio_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eodds_ratio_final, PARALLEL = SAFE);
CREATE AGGREGATE equalized_odds_ratio(yhat "any", y "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eodds_ratio_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eodds_ratio_final, PARALLEL = SAFE);
CREATE AGGREGATE equalized_odds_difference(yhat "any", y "any", sensitive "any") (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eodds_difference_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eodds_difference_final, PARALLEL = SAFE);
CREATE AGGREGATE equalized_odds_difference(yhat "any", y "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_eodds_difference_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_eodds_difference_final, PARALLEL = SAFE);
CREATE AGGREGATE fairness_report(yhat "any", y "any", sensitive "any") (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_report_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_report_final, PARALLEL = SAFE);
CREATE AGGREGATE fairness_report(yhat "any", y "any", sensitive "any", weight float8) (
    SFUNC = fairglmm_confusion_transfn, STYPE = internal, SSPACE = 1024, FINALFUNC = fairglmm_report_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_confusion_transfn, MINVFUNC = fairglmm_confusion_invfn, MSTYPE = internal,
    MSSPACE = 1024, MFINALFUNC = fairglmm_report_final, PARALLEL = SAFE);
CREATE AGGREGATE parity_ks(score float8, sensitive "any") (
    SFUNC = fairglmm_ks_transfn, STYPE = internal, FINALFUNC = fairglmm_ks_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE parity_ks(score float8, sensitive "any", weight float8) (
    SFUNC = fairglmm_ks_transfn, STYPE = internal, FINALFUNC = fairglmm_ks_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE parity_gap(score float8, sensitive "any", thresholds float8[]) (
    SFUNC = fairglmm_gap_transfn, STYPE = internal, FINALFUNC = fairglmm_gap_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_gap_transfn, MINVFUNC = fairglmm_gap_invfn, MSTYPE = internal,
    MFINALFUNC = fairglmm_gap_final, PARALLEL = SAFE);
CREATE AGGREGATE parity_gap(score float8, sensitive "any", thresholds float8[], weight float8) (
    SFUNC = fairglmm_gap_transfn, STYPE = internal, FINALFUNC = fairglmm_gap_final,
    COMBINEFUNC = fairglmm_metric_combinefn, SERIALFUNC = fairglmm_metric_serialfn,
    DESERIALFUNC = fairglmm_metric_deserialfn,
    MSFUNC = fairglmm_gap_transfn, MINVFUNC = fairglmm_gap_invfn, MSTYPE = internal,
    MFINALFUNC = fairglmm_gap_final, PARALLEL = SAFE);

-- a fairness_report as a table, one row per group
CREATE FUNCTION fairness_by_group(report jsonb)
RETURNS TABLE ("group" text, rows bigint, weight float8, selection_rate float8, tpr float8,
               fpr float8, "precision" float8, accuracy float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 10 AS $$
  SELECT g ->> 'group', (g ->> 'rows')::bigint, (g ->> 'weight')::float8,
         (g ->> 'selection_rate')::float8, (g ->> 'tpr')::float8, (g ->> 'fpr')::float8,
         (g ->> 'precision')::float8, (g ->> 'accuracy')::float8
  FROM jsonb_array_elements(report -> 'groups') WITH ORDINALITY AS e(g, k)
  ORDER BY k
$$;

-- whether a model has a random effect for a stratum
CREATE FUNCTION fairglmm_seen(model bytea, strata integer)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_seen' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_seen(model bytea, strata bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_seen' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION fairglmm_seen(model bytea, strata text)
RETURNS boolean AS 'MODULE_PATHNAME', 'fairglmm_seen' LANGUAGE C IMMUTABLE PARALLEL SAFE;

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
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], integer) IS 'Predicted class: P(y = 1) >= the threshold the model was trained with (binomial models only)';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], integer, float8) IS 'Predicted class: P(y = 1) >= threshold (binomial models only)';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], bigint) IS 'Predicted class: P(y = 1) >= the threshold the model was trained with (binomial models only)';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], bigint, float8) IS 'Predicted class: P(y = 1) >= threshold (binomial models only)';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], text) IS 'Predicted class: P(y = 1) >= the threshold the model was trained with (binomial models only)';
COMMENT ON FUNCTION fairglmm_classify(bytea, float8[], text, float8) IS 'Predicted class: P(y = 1) >= threshold (binomial models only)';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[]) IS 'Population-level prediction with random effect 0: P(y = 1), or the mean of a gaussian model';
COMMENT ON FUNCTION fairglmm_fit_finalfn(internal) IS 'Internal: support function of a fairglmm aggregate; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_serialfn(internal) IS 'Internal: support function of fairglmm_fit and fairglmm_path (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_fit_deserialfn(bytea, internal) IS 'Internal: support function of fairglmm_fit and fairglmm_path (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_fit_combinefn(internal, internal) IS 'Internal: support function of fairglmm_fit and fairglmm_path (parallel aggregation); not for direct use';
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
COMMENT ON AGGREGATE disparate_impact("any", "any") IS 'Disparate impact of predictions yhat across the groups of sensitive: the smallest group selection rate over the largest; NULL with fewer than two groups';
COMMENT ON AGGREGATE disparate_impact("any", "any", float8) IS 'Disparate impact with row weights: the smallest weighted group selection rate over the largest; NULL with fewer than two groups';
COMMENT ON AGGREGATE disparate_impact(boolean, boolean) IS 'Disparate impact (the 1.0 signature): the smallest group selection rate over the largest; NULL with fewer than two groups';
COMMENT ON AGGREGATE disparate_impact(boolean, integer) IS 'Disparate impact (the 1.0 signature): the smallest group selection rate over the largest; NULL with fewer than two groups';
COMMENT ON AGGREGATE disparate_impact(integer, boolean) IS 'Disparate impact (the 1.0 signature): the smallest group selection rate over the largest; NULL with fewer than two groups';
COMMENT ON AGGREGATE disparate_impact(integer, integer) IS 'Disparate impact (the 1.0 signature): the smallest group selection rate over the largest; NULL with fewer than two groups';
COMMENT ON AGGREGATE demographic_parity_difference("any", "any") IS 'Largest minus smallest group selection rate of predictions yhat; NULL with fewer than two groups';
COMMENT ON AGGREGATE demographic_parity_difference("any", "any", float8) IS 'Largest minus smallest weighted group selection rate of predictions yhat; NULL with fewer than two groups';
COMMENT ON AGGREGATE equal_opportunity_ratio("any", "any", "any") IS 'Smallest group true-positive rate over the largest, over groups with positives; NULL with fewer than two such groups';
COMMENT ON AGGREGATE equal_opportunity_ratio("any", "any", "any", float8) IS 'Smallest weighted group true-positive rate over the largest, over groups with positives; NULL with fewer than two such groups';
COMMENT ON AGGREGATE equal_opportunity_difference("any", "any", "any") IS 'Largest minus smallest group true-positive rate, over groups with positives; NULL with fewer than two such groups';
COMMENT ON AGGREGATE equal_opportunity_difference("any", "any", "any", float8) IS 'Largest minus smallest weighted group true-positive rate, over groups with positives; NULL with fewer than two such groups';
COMMENT ON AGGREGATE equalized_odds_ratio("any", "any", "any") IS 'The smaller of the true- and false-positive rate ratios across groups; NULL unless both are defined';
COMMENT ON AGGREGATE equalized_odds_ratio("any", "any", "any", float8) IS 'The smaller of the weighted true- and false-positive rate ratios across groups; NULL unless both are defined';
COMMENT ON AGGREGATE equalized_odds_difference("any", "any", "any") IS 'The larger of the true- and false-positive rate differences across groups; NULL unless both are defined';
COMMENT ON AGGREGATE equalized_odds_difference("any", "any", "any", float8) IS 'The larger of the weighted true- and false-positive rate differences across groups; NULL unless both are defined';
COMMENT ON AGGREGATE fairness_report("any", "any", "any") IS 'Per group rows, weight, selection rate, TPR, FPR, precision and accuracy, the fairness metrics and the most and least favoured group, as jsonb';
COMMENT ON AGGREGATE fairness_report("any", "any", "any", float8) IS 'Per group rows, weight and weighted selection rate, TPR, FPR, precision and accuracy, the fairness metrics and the most and least favoured group, as jsonb';
COMMENT ON AGGREGATE parity_ks(float8, "any") IS 'Largest distance sup_b |F_group(b) - F_all(b)| between a group''s distribution of scores and everyone''s; keeps every row';
COMMENT ON AGGREGATE parity_ks(float8, "any", float8) IS 'Largest distance between a group''s weighted distribution of scores and everyone''s; keeps every row';
COMMENT ON AGGREGATE parity_gap(float8, "any", float8[]) IS 'Largest |P(score > b) - P(score > b | group)| over the groups and the given thresholds b';
COMMENT ON AGGREGATE parity_gap(float8, "any", float8[], float8) IS 'Largest weighted |P(score > b) - P(score > b | group)| over the groups and the given thresholds b';
COMMENT ON FUNCTION fairness_by_group(jsonb) IS 'The groups of a fairness_report as rows: group, rows, weight, selection rate, TPR, FPR, precision, accuracy';
COMMENT ON FUNCTION fairglmm_seen(bytea, integer) IS 'Whether the model has a random effect for the stratum; false for a NULL stratum or a model without strata';
COMMENT ON FUNCTION fairglmm_seen(bytea, bigint) IS 'Whether the model has a random effect for the stratum; false for a NULL stratum or a model without strata';
COMMENT ON FUNCTION fairglmm_seen(bytea, text) IS 'Whether the model has a random effect for the stratum; false for a NULL stratum or a model without strata';
COMMENT ON FUNCTION fairglmm_selection_transfn(internal, "any", "any") IS 'Internal: support function of the fairness aggregates of predictions; not for direct use';
COMMENT ON FUNCTION fairglmm_selection_transfn(internal, "any", "any", float8) IS 'Internal: support function of the fairness aggregates of predictions; not for direct use';
COMMENT ON FUNCTION fairglmm_selection_invfn(internal, "any", "any") IS 'Internal: support function of the fairness aggregates of predictions (window frames); not for direct use';
COMMENT ON FUNCTION fairglmm_selection_invfn(internal, "any", "any", float8) IS 'Internal: support function of the fairness aggregates of predictions (window frames); not for direct use';
COMMENT ON FUNCTION fairglmm_confusion_transfn(internal, "any", "any", "any") IS 'Internal: support function of the fairness aggregates of predictions and labels; not for direct use';
COMMENT ON FUNCTION fairglmm_confusion_transfn(internal, "any", "any", "any", float8) IS 'Internal: support function of the fairness aggregates of predictions and labels; not for direct use';
COMMENT ON FUNCTION fairglmm_confusion_invfn(internal, "any", "any", "any") IS 'Internal: support function of the fairness aggregates of predictions and labels (window frames); not for direct use';
COMMENT ON FUNCTION fairglmm_confusion_invfn(internal, "any", "any", "any", float8) IS 'Internal: support function of the fairness aggregates of predictions and labels (window frames); not for direct use';
COMMENT ON FUNCTION fairglmm_metric_combinefn(internal, internal) IS 'Internal: support function of the fairness aggregates (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_metric_serialfn(internal) IS 'Internal: support function of the fairness aggregates (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_metric_deserialfn(bytea, internal) IS 'Internal: support function of the fairness aggregates (parallel aggregation); not for direct use';
COMMENT ON FUNCTION fairglmm_disparate_impact_final(internal) IS 'Internal: support function of disparate_impact; not for direct use';
COMMENT ON FUNCTION fairglmm_dp_difference_final(internal) IS 'Internal: support function of demographic_parity_difference; not for direct use';
COMMENT ON FUNCTION fairglmm_eo_ratio_final(internal) IS 'Internal: support function of equal_opportunity_ratio; not for direct use';
COMMENT ON FUNCTION fairglmm_eo_difference_final(internal) IS 'Internal: support function of equal_opportunity_difference; not for direct use';
COMMENT ON FUNCTION fairglmm_eodds_ratio_final(internal) IS 'Internal: support function of equalized_odds_ratio; not for direct use';
COMMENT ON FUNCTION fairglmm_eodds_difference_final(internal) IS 'Internal: support function of equalized_odds_difference; not for direct use';
COMMENT ON FUNCTION fairglmm_report_final(internal) IS 'Internal: support function of fairness_report; not for direct use';
COMMENT ON FUNCTION fairglmm_ks_transfn(internal, float8, "any") IS 'Internal: support function of parity_ks; not for direct use';
COMMENT ON FUNCTION fairglmm_ks_transfn(internal, float8, "any", float8) IS 'Internal: support function of parity_ks; not for direct use';
COMMENT ON FUNCTION fairglmm_ks_final(internal) IS 'Internal: support function of parity_ks; not for direct use';
COMMENT ON FUNCTION fairglmm_gap_transfn(internal, float8, "any", float8[]) IS 'Internal: support function of parity_gap; not for direct use';
COMMENT ON FUNCTION fairglmm_gap_transfn(internal, float8, "any", float8[], float8) IS 'Internal: support function of parity_gap; not for direct use';
COMMENT ON FUNCTION fairglmm_gap_invfn(internal, float8, "any", float8[]) IS 'Internal: support function of parity_gap (window frames); not for direct use';
COMMENT ON FUNCTION fairglmm_gap_invfn(internal, float8, "any", float8[], float8) IS 'Internal: support function of parity_gap (window frames); not for direct use';
COMMENT ON FUNCTION fairglmm_gap_final(internal) IS 'Internal: support function of parity_gap; not for direct use';

-- ---------------------------------------------------------------------------
-- Training with categorical or several sensitive attributes, and weights:
-- y, strata and sensitive are "any", checked at run time (y boolean or
-- integer, or float8, real or numeric for a continuous outcome, which
-- makes option "family" default to gaussian; strata integer, bigint or
-- text; sensitive boolean, integer, bigint or text, or an array of these,
-- one element per attribute).  Calls with the types of 1.0 keep resolving
-- to the typed signatures above.
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_fit_transfn(internal, "any", float8[], "any", "any", float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, "any", float8[], "any", "any", float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_fit_transfn(internal, "any", float8[], "any", "any", float8, float8, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE AGGREGATE fairglmm_fit(y "any", x float8[], strata "any", sensitive "any", rho float8, lambda float8) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y "any", x float8[], strata "any", sensitive "any", rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_fit(y "any", x float8[], strata "any", sensitive "any", weight float8, rho float8, lambda float8, options jsonb) (
    SFUNC = fairglmm_fit_transfn, STYPE = internal,
    FINALFUNC = fairglmm_fit_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);

COMMENT ON FUNCTION fairglmm_fit_transfn(internal, "any", float8[], "any", "any", float8, float8) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, "any", float8[], "any", "any", float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON FUNCTION fairglmm_fit_transfn(internal, "any", float8[], "any", "any", float8, float8, float8, jsonb) IS 'Internal: support function of fairglmm_fit; not for direct use';
COMMENT ON AGGREGATE fairglmm_fit("any", float8[], "any", "any", float8, float8) IS 'Fit a Fair GLMM with categorical (text or integer) or several (array) sensitive attributes, a linear mixed model for a float8 or numeric y (gaussian family); returns the model as bytea';
COMMENT ON AGGREGATE fairglmm_fit("any", float8[], "any", "any", float8, float8, jsonb) IS 'Fit a fair logistic model, or a fair linear model for a float8 or numeric y (option "family"), with categorical or several sensitive attributes; method and settings in options';
COMMENT ON AGGREGATE fairglmm_fit("any", float8[], "any", "any", float8, float8, float8, jsonb) IS 'Fit a fair logistic or linear model (option "family") with row weights (survey weights, rescaled to mean 1 unless option "weights" is "as_given"); method and settings in options';

-- ---------------------------------------------------------------------------
-- Inference and reporting (standard errors, fit statistics, summary)
-- ---------------------------------------------------------------------------
COMMENT ON FUNCTION fairglmm_coefficients(bytea, float8) IS 'Fixed effects of a model with Wald standard errors, z values, p-values, intervals at level and odds ratios (NULL inference without a stored covariance; no odds ratios for a gaussian model)';
COMMENT ON FUNCTION fairglmm_random_effects(bytea) IS 'Random intercept, training row count and conditional standard error of every stratum of a model';
COMMENT ON FUNCTION fairglmm_vcov(bytea) IS 'Covariance matrix of the fixed effects, one row per entry; no rows for a model without one';
COMMENT ON FUNCTION fairglmm_summary(bytea) IS 'A readable multi-line summary of a model: data, fairness terms, coefficient table, random intercepts, fit statistics, convergence and warnings';
COMMENT ON FUNCTION fairglmm_info(bytea) IS 'Everything a model records: method, family, options, data sizes, coefficients, convergence, training metrics, fit statistics (residuals and R^2 for a gaussian model), creation time and version';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[], integer) IS 'P(y = 1), or the mean of a gaussian model, for features x in a stratum; a NULL stratum gets random effect 0, an unseen one what fairglmm.unseen_strata says';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[], bigint) IS 'P(y = 1), or the mean of a gaussian model, for features x in a stratum; a NULL stratum gets random effect 0, an unseen one what fairglmm.unseen_strata says';
COMMENT ON FUNCTION fairglmm_predict(bytea, float8[], text) IS 'P(y = 1), or the mean of a gaussian model, for features x in a stratum; a NULL stratum gets random effect 0, an unseen one what fairglmm.unseen_strata says';

-- ---------------------------------------------------------------------------
-- Choosing rho: the path over several rhos, and its report
-- ---------------------------------------------------------------------------
CREATE FUNCTION fairglmm_path_transfn(internal, "any", float8[], "any", "any", float8[], float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_path_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_path_transfn(internal, "any", float8[], "any", "any", float8, float8[], float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'fairglmm_path_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_path_finalfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_path_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE AGGREGATE fairglmm_path(y "any", x float8[], strata "any", sensitive "any", rhos float8[], lambda float8, options jsonb) (
    SFUNC = fairglmm_path_transfn, STYPE = internal,
    FINALFUNC = fairglmm_path_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_path(y "any", x float8[], strata "any", sensitive "any", weight float8, rhos float8[], lambda float8, options jsonb) (
    SFUNC = fairglmm_path_transfn, STYPE = internal,
    FINALFUNC = fairglmm_path_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_fit_combinefn, SERIALFUNC = fairglmm_fit_serialfn,
    DESERIALFUNC = fairglmm_fit_deserialfn, PARALLEL = SAFE);

CREATE FUNCTION fairglmm_path_report(path bytea)
RETURNS TABLE (rho float8, model bytea, objective float8, loglik float8, train_accuracy float8,
               train_disparate_impact float8, covariances jsonb, iterations integer,
               cv_accuracy float8, cv_disparate_impact float8, cv_equal_opportunity_ratio float8,
               cv_equalized_odds_ratio float8, cv_log_loss float8)
AS 'MODULE_PATHNAME', 'fairglmm_path_report' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION fairglmm_path_transfn(internal, "any", float8[], "any", "any", float8[], float8, jsonb) IS 'Internal: support function of fairglmm_path; not for direct use';
COMMENT ON FUNCTION fairglmm_path_transfn(internal, "any", float8[], "any", "any", float8, float8[], float8, jsonb) IS 'Internal: support function of fairglmm_path; not for direct use';
COMMENT ON FUNCTION fairglmm_path_finalfn(internal) IS 'Internal: support function of fairglmm_path; not for direct use';
COMMENT ON AGGREGATE fairglmm_path("any", float8[], "any", "any", float8[], float8, jsonb) IS 'Fit a fair model (logistic, or linear for a gaussian y) at every rho of an array with warm starts, collecting the rows once; returns the path of models as bytea';
COMMENT ON AGGREGATE fairglmm_path("any", float8[], "any", "any", float8, float8[], float8, jsonb) IS 'Fit a fair model (logistic, or linear for a gaussian y) with row weights at every rho of an array with warm starts; returns the path of models as bytea';
COMMENT ON FUNCTION fairglmm_path_report(bytea) IS 'One row per model of a path: rho, the model, objective, log-likelihood, training accuracy and disparate impact, fairness covariances, Newton iterations, and with option folds the held-out accuracy, fairness ratios and log loss of cross-validation';

-- ---------------------------------------------------------------------------
-- fairglmm_train: a fit in passes over a table or query.  Each pass is one
-- query of the aggregate fairglmm_train_pass, whose bytea state Citus can
-- push down to its workers; its request names the argument types.  With
-- Citus the driver casts the columns for fairglmm_train_pass_typed, since
-- Citus checks the arguments it ships against the declared types
-- ---------------------------------------------------------------------------

CREATE FUNCTION fairglmm_train_pass_transfn(bytea, "any", float8[], "any", "any", float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, bigint, float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, text, float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, bigint[], float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, text[], float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, bigint, float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, text, float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, bigint[], float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, text[], float8, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_combinefn(bytea, bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_combinefn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION fairglmm_train_pass_finalfn(bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train_pass_finalfn' LANGUAGE C STRICT PARALLEL SAFE;

CREATE AGGREGATE fairglmm_train_pass(y "any", x float8[], strata "any", sensitive "any", weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata bigint, sensitive bigint, weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata bigint, sensitive text, weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata bigint, sensitive bigint[], weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata bigint, sensitive text[], weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata text, sensitive bigint, weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata text, sensitive text, weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata text, sensitive bigint[], weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);
CREATE AGGREGATE fairglmm_train_pass_typed(y float8, x float8[], strata text, sensitive text[], weight float8, request bytea) (
    SFUNC = fairglmm_train_pass_transfn, STYPE = bytea,
    FINALFUNC = fairglmm_train_pass_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = fairglmm_train_pass_combinefn, PARALLEL = SAFE);

CREATE FUNCTION fairglmm_train(source text, y text, x text, strata text, sensitive text,
                               rho float8, lambda float8, options jsonb DEFAULT NULL)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
CREATE FUNCTION fairglmm_train(source text, y text, x text, strata text, sensitive text, weight text,
                               rho float8, lambda float8, options jsonb DEFAULT NULL)
RETURNS bytea AS 'MODULE_PATHNAME', 'fairglmm_train' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, "any", float8[], "any", "any", float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass("any", float8[], "any", "any", float8, bytea) IS 'Internal: one pass of fairglmm_train (the sums of its request over the rows); run by fairglmm_train';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, bigint, float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], bigint, bigint, float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, text, float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], bigint, text, float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, bigint[], float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], bigint, bigint[], float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], bigint, text[], float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], bigint, text[], float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, bigint, float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], text, bigint, float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, text, float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], text, text, float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, bigint[], float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], text, bigint[], float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_transfn(bytea, float8, float8[], text, text[], float8, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON AGGREGATE fairglmm_train_pass_typed(float8, float8[], text, text[], float8, bytea) IS 'Internal: fairglmm_train_pass with the fixed argument types Citus needs; run by fairglmm_train when Citus is installed';
COMMENT ON FUNCTION fairglmm_train_pass_combinefn(bytea, bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON FUNCTION fairglmm_train_pass_finalfn(bytea) IS 'Internal: support function of fairglmm_train_pass; not for direct use';
COMMENT ON FUNCTION fairglmm_train(text, text, text, text, text, float8, float8, jsonb) IS 'Fit a Newton-family model (lr, fair_lr, crlr, fair_crlr) in passes over a table or query named by source, columns by name: memory independent of the rows, parallel and Citus workers add up their share; returns the model as bytea';
COMMENT ON FUNCTION fairglmm_train(text, text, text, text, text, text, float8, float8, jsonb) IS 'Fit a Newton-family model with row weights (a column named by weight) in passes over a table or query; returns the model as bytea';
