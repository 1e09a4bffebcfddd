-- The fitting loop of the real-data corpus (run by test/realdata/corpus.sh
-- after load.sql).  One call of realdata.corpus_run fits one method on the
-- random samples first..last of one data set and records each outcome in
-- realdata.corpus_fits: a model, NULL (no usable rows), or an error with its
-- SQLSTATE, message and detail (caught with EXCEPTION WHEN OTHERS, so one
-- refused fit does not stop the others; a query cancel is not caught).
--
-- Warnings cannot be caught in PL/pgSQL; they go to the client.  Before each
-- fit the loop raises a NOTICE marker "corpus-fit dataset|method|fraction|
-- replicate", so every WARNING that psql prints after it belongs to that fit
-- (one session sends its messages in order).  corpus.sh reads them from
-- psql's stderr into realdata.corpus_warnings.

CREATE TABLE realdata.corpus_fits (
    dataset      text    NOT NULL,
    method       text    NOT NULL,
    fraction     float8  NOT NULL,
    replicate    integer NOT NULL,
    outcome      text    NOT NULL CHECK (outcome IN ('model', 'null', 'error')),
    rows_sampled bigint  NOT NULL,   -- rows drawn, NULLs included
    rows_used    bigint,             -- from fairglmm_info, for a model
    separated    bigint,             -- fairglmm_info's separated_rows, for a model
    sqlstate     text,
    message      text,
    detail       text,
    ms           float8  NOT NULL,
    PRIMARY KEY (dataset, method, fraction, replicate)
);

CREATE TABLE realdata.corpus_warnings (
    dataset   text    NOT NULL,
    method    text    NOT NULL,
    fraction  float8  NOT NULL,
    replicate integer NOT NULL,
    message   text    NOT NULL
);

-- the draws of replicates first..last of a data set, computed once
CREATE TABLE realdata.corpus_draws (
    dataset   text    NOT NULL,
    replicate integer NOT NULL,
    u         float8  NOT NULL,
    id        integer NOT NULL
);
CREATE INDEX ON realdata.corpus_draws (dataset, replicate, u) INCLUDE (id);

CREATE FUNCTION realdata.corpus_prepare(p_dataset text, p_first integer, p_last integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM realdata.corpus_draws WHERE dataset = p_dataset;
    INSERT INTO realdata.corpus_draws
    SELECT p_dataset, r, realdata.draw(p_dataset, m.id, r), m.id
    FROM realdata.model AS m, generate_series(p_first, p_last) AS r
    WHERE m.dataset = p_dataset;
    GET DIAGNOSTICS n = ROW_COUNT;
    ANALYZE realdata.corpus_draws;
    RETURN n;
END $$;

-- Fit p_method on replicates p_first..p_last of p_dataset at p_fraction;
-- p_options are merged into the options (feature_names set, method fixed).
-- Returns the number of fits.
CREATE FUNCTION realdata.corpus_run(p_dataset text, p_method text, p_fraction float8,
                                    p_first integer, p_last integer, p_rho float8, p_lambda float8,
                                    p_options jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    opts    jsonb := jsonb_build_object('feature_names', to_jsonb(realdata.feature_names(p_dataset)))
                     || coalesce(p_options, '{}')
                     || jsonb_build_object('method', p_method);
    r       integer;
    m       bytea;
    n       bigint;
    t0      timestamptz;
    v_state text;
    v_msg   text;
    v_det   text;
BEGIN
    FOR r IN p_first .. p_last LOOP
        RAISE NOTICE 'corpus-fit %|%|%|%', p_dataset, p_method, p_fraction, r;
        SELECT count(*) INTO n FROM realdata.corpus_draws AS d
        WHERE d.dataset = p_dataset AND d.replicate = r AND d.u < p_fraction;
        t0 := clock_timestamp();
        BEGIN
            SELECT fairglmm_fit(v.y, v.x, v.stratum, v.sensitive, p_rho, p_lambda, opts) INTO m
            FROM realdata.corpus_draws AS d JOIN realdata.model AS v ON v.dataset = d.dataset AND v.id = d.id
            WHERE d.dataset = p_dataset AND d.replicate = r AND d.u < p_fraction;
            INSERT INTO realdata.corpus_fits
            VALUES (p_dataset, p_method, p_fraction, r, CASE WHEN m IS NULL THEN 'null' ELSE 'model' END,
                    n, (fairglmm_info(m) ->> 'rows_used')::bigint,
                    (fairglmm_info(m) ->> 'separated_rows')::bigint, NULL, NULL, NULL,
                    1000 * extract(epoch FROM clock_timestamp() - t0));
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
                                    v_det = PG_EXCEPTION_DETAIL;
            INSERT INTO realdata.corpus_fits
            VALUES (p_dataset, p_method, p_fraction, r, 'error', n, NULL, NULL, v_state, v_msg,
                    nullif(v_det, ''), 1000 * extract(epoch FROM clock_timestamp() - t0));
        END;
    END LOOP;
    RETURN p_last - p_first + 1;
END $$;

-- A message with the feature its detail names, if any ("feature is constant
-- (race_other)"), so that the report tells which dummy was the problem.
CREATE FUNCTION realdata.corpus_label(p_message text, p_detail text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_message || coalesce(' (' || substring(p_detail FROM '^Feature (\S+) ') || ')', '')
$$;
