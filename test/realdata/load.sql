-- Load the real-data corpus (CSV files written by test/realdata/export.R)
-- and build one model-ready view per data set, the way a user of fairglmm
-- would: categoricals one-hot coded in SQL with one reference level dropped,
-- numeric columns on their raw scale (nothing standardised), missing values
-- left as NULL so that fairglmm_fit skips those rows.
--
--   psql -v datadir=/path/to/test/realdata/data -f test/realdata/load.sql
--
-- datadir defaults to test/realdata/data (relative to psql's working
-- directory: the repository root).  The files are read by psql (\copy), not
-- by the server, so the server needs no access to them; psql's \copy takes
-- no variables, hence the \cd into datadir and back.
--
-- Everything lives in the schema realdata, which is dropped and made anew:
--   realdata.nhanes, realdata.contraception, realdata.arrests, realdata.salaries   the CSVs as they are
--   realdata.salaries_model             id, y float8 (salary), x, stratum text, sensitive boolean
--   realdata.nhanes_model, ..._model   id, y boolean, x float8[], stratum int, sensitive boolean
--   realdata.model                      the three views in one, with a column dataset
--   realdata.features                   dataset, position, name: the columns of x
--   realdata.feature_names(dataset)     the names as a text[] (for option feature_names)
--   realdata.draw(dataset, id, replicate)   a uniform number in [0, 1) for sampling
\if :{?datadir}
\else
\set datadir test/realdata/data
\endif

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS realdata CASCADE;
RESET client_min_messages;
CREATE SCHEMA realdata;

-- survey::nhanes: NHANES 2009-2010, total cholesterol >= 240 mg/dl
CREATE TABLE realdata.nhanes (
    id       integer PRIMARY KEY,
    sdmvpsu  integer NOT NULL,       -- primary sampling unit (1-3) within the stratum
    sdmvstra integer NOT NULL,       -- sampling stratum (75-89)
    wtmec2yr float8  NOT NULL,       -- examination sample weight
    hi_chol  integer,                -- 1: high cholesterol; NULL: not measured (745 rows)
    race     integer NOT NULL,       -- 1 Hispanic, 2 non-Hispanic white, 3 non-Hispanic black, 4 other
    agecat   text    NOT NULL,       -- (0,19] (19,39] (39,59] (59,Inf]
    riagendr integer NOT NULL        -- 1 male, 2 female
);

-- mlmRev::Contraception: 1988 Bangladesh Fertility Survey
CREATE TABLE realdata.contraception (
    id       integer PRIMARY KEY,    -- the package's `woman`
    district integer NOT NULL,       -- 60 districts (1-61, no 54)
    use      text    NOT NULL,       -- Y/N: uses contraception
    livch    text    NOT NULL,       -- living children: 0, 1, 2, 3+
    age      float8  NOT NULL,       -- age in years, centred at the sample mean (as shipped)
    urban    text    NOT NULL        -- Y/N
);

-- carData::Arrests: arrests for possession of marijuana, Toronto 1997-2002
CREATE TABLE realdata.arrests (
    id       integer PRIMARY KEY,
    released text    NOT NULL,       -- Yes/No: released with a summons
    colour   text    NOT NULL,       -- Black/White
    year     integer NOT NULL,       -- 1997-2002
    age      integer NOT NULL,       -- years
    sex      text    NOT NULL,       -- Female/Male
    employed text    NOT NULL,       -- Yes/No
    citizen  text    NOT NULL,       -- Yes/No
    checks   integer NOT NULL        -- police databases the name appeared in (0-6)
);

-- carData::Salaries: nine-month salaries of professors, 2008-09 (a
-- continuous outcome, for the gaussian family)
CREATE TABLE realdata.salaries (
    id            integer PRIMARY KEY,
    rank          text    NOT NULL,  -- AsstProf/AssocProf/Prof
    discipline    text    NOT NULL,  -- A (theoretical) / B (applied)
    yrs_since_phd integer NOT NULL,
    yrs_service   integer NOT NULL,
    sex           text    NOT NULL,  -- Female/Male
    salary        integer NOT NULL   -- US dollars
);

\set realdata_cwd `pwd`
\cd :datadir
\copy realdata.nhanes FROM 'nhanes.csv' WITH (FORMAT csv, HEADER)
\copy realdata.contraception FROM 'contraception.csv' WITH (FORMAT csv, HEADER)
\copy realdata.arrests FROM 'arrests.csv' WITH (FORMAT csv, HEADER)
\copy realdata.salaries FROM 'salaries.csv' WITH (FORMAT csv, HEADER)
\cd :realdata_cwd
\unset realdata_cwd

-- The columns of x, in order, for each data set.  Reference levels (left
-- out): race 1 (Hispanic), agecat (0,19], livch 0, urban N, colour White,
-- sex Female, employed No, citizen No; for the multi-level factors that is
-- R's default (the first level), so model.matrix() gives the same design.
CREATE TABLE realdata.features (
    dataset  text    NOT NULL,
    position integer NOT NULL,
    name     text    NOT NULL,
    PRIMARY KEY (dataset, position)
);
INSERT INTO realdata.features
SELECT d, ordinality, n
FROM (VALUES
    ('nhanes', ARRAY['female', 'race_white', 'race_black', 'race_other',
                     'agecat_19_39', 'agecat_39_59', 'agecat_59_inf']),
    ('contraception', ARRAY['age', 'age_sq', 'urban', 'livch_1', 'livch_2', 'livch_3plus']),
    ('arrests', ARRAY['black', 'age', 'male', 'employed', 'citizen', 'checks'])
) AS v(d, names), unnest(names) WITH ORDINALITY AS u(n, ordinality);

CREATE FUNCTION realdata.feature_names(p_dataset text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT array_agg(name ORDER BY position) FROM realdata.features WHERE dataset = p_dataset
$$;

-- nhanes: y high cholesterol (NULL where not measured, so the row is
-- skipped); strata the survey's sampling strata SDMVSTRA (15); sensitive:
-- female (RIAGENDR = 2), which is also the first feature.
CREATE VIEW realdata.nhanes_model AS
SELECT id,
       hi_chol::boolean AS y,
       ARRAY[(riagendr = 2)::int,
             (race = 2)::int, (race = 3)::int, (race = 4)::int,
             (agecat = '(19,39]')::int, (agecat = '(39,59]')::int, (agecat = '(59,Inf]')::int
            ]::float8[] AS x,
       sdmvstra AS stratum,
       riagendr = 2 AS sensitive
FROM realdata.nhanes;

-- contraception: y use = 'Y'; x age and age squared in (centred) years, as
-- in the classic model use ~ age + I(age^2) + urban + livch; strata the
-- district (60); sensitive: urban, also a feature.
CREATE VIEW realdata.contraception_model AS
SELECT id,
       use = 'Y' AS y,
       ARRAY[age, age * age, (urban = 'Y')::int,
             (livch = '1')::int, (livch = '2')::int, (livch = '3+')::int]::float8[] AS x,
       district AS stratum,
       urban = 'Y' AS sensitive
FROM realdata.contraception;

-- arrests: y released = 'Yes'; x with age and checks in their own units;
-- strata the year of the arrest (6: policing changes from year to year, and
-- the data have no other grouping), so year is not also a feature (fixed year
-- dummies and a random intercept per year would describe the same thing);
-- sensitive: colour = 'Black', also a feature.  Rare levels: female 8.5 %,
-- not a citizen 15 %, unemployed 21 %, checks = 5 or 6 2.6 %, year 2002 5 %.
CREATE VIEW realdata.arrests_model AS
SELECT id,
       released = 'Yes' AS y,
       ARRAY[(colour = 'Black')::int, age, (sex = 'Male')::int,
             (employed = 'Yes')::int, (citizen = 'Yes')::int, checks]::float8[] AS x,
       year AS stratum,
       colour = 'Black' AS sensitive
FROM realdata.arrests;

-- salaries (gaussian, not in realdata.model): y the salary in dollars, on
-- its raw scale; x the years since the PhD and of service, rank (reference
-- AsstProf) and discipline B; strata rank x discipline (6); sensitive: male,
-- which is not a feature (the fair methods are to keep salary predictions
-- from tracking sex, so the prediction must not use it directly).
CREATE VIEW realdata.salaries_model AS
SELECT id,
       salary::float8 AS y,
       ARRAY[yrs_since_phd, yrs_service, (rank = 'AssocProf')::int, (rank = 'Prof')::int,
             (discipline = 'B')::int]::float8[] AS x,
       rank || '/' || discipline AS stratum,
       sex = 'Male' AS sensitive
FROM realdata.salaries;

CREATE VIEW realdata.model AS
          SELECT 'nhanes'::text AS dataset, * FROM realdata.nhanes_model
UNION ALL SELECT 'contraception', * FROM realdata.contraception_model
UNION ALL SELECT 'arrests', * FROM realdata.arrests_model;

-- A pseudo-random number in [0, 1) from (dataset, id, replicate), the same on
-- every machine and every run (the first 32 bits of an MD5).  The training
-- sample of replicate r at fraction f is the rows with draw < f, so the
-- samples of one replicate are nested: 2 % within 5 % within 20 %.
CREATE FUNCTION realdata.draw(p_dataset text, p_id integer, p_replicate integer) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || left(md5(p_dataset || ':' || p_id || ':' || p_replicate), 8))::bit(32)::bigint
           / 4294967296.0::float8
$$;
