-- aepg 0.1.0: the catalog the aepg worker writes and the functions that shape each model's
-- results table and views. Installed by `aepg init` (any PostgreSQL 13+, managed ones too) or
-- by CREATE EXTENSION aepg where the extension files are installed. Safe to run again.

\echo Use "CREATE EXTENSION aepg" or "aepg init" to load this file. \quit

CREATE SCHEMA IF NOT EXISTS aepg;
COMMENT ON SCHEMA aepg IS 'aepg: autoencoder models, their versions, per-row results and anomaly views';

-- One row per model: what to read and how to train it.
CREATE TABLE IF NOT EXISTS aepg.models (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z_][a-z0-9_]{0,39}$'),
    source          regclass NOT NULL,
    key_column      text NOT NULL,
    features        text[],                      -- NULL: every numeric column but key, label, exclude
    exclude         text[] NOT NULL DEFAULT '{}',
    label_column    text,
    options         jsonb NOT NULL DEFAULT '{}', -- as given; unset options take the defaults
    active_version  integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE aepg.models IS 'aepg models: source table, key, features and training options';

-- One row per trained version, written in the same transaction as its layers and results.
CREATE TABLE IF NOT EXISTS aepg.versions (
    model           text NOT NULL REFERENCES aepg.models (name) ON DELETE CASCADE,
    version         integer NOT NULL,
    options         jsonb NOT NULL,              -- every option, resolved
    features        text[] NOT NULL,
    preprocessing   jsonb NOT NULL,              -- {"method":"standard","mean":[...],"scale":[...]}
    threshold       double precision NOT NULL,
    threshold_rule  text NOT NULL,               -- 'sigma:3' or 'contamination:0.01'
    centroids       real[],                      -- clusters x latent
    inertia         double precision,
    loss_history    jsonb NOT NULL,              -- [{"epoch":1,"training":..,"validation":..}, ...]
    metrics         jsonb NOT NULL DEFAULT '{}',
    training_rows   bigint NOT NULL,
    scored_rows     bigint NOT NULL,
    seconds         double precision NOT NULL,
    stage_seconds   jsonb NOT NULL DEFAULT '{}', -- read, preprocess, train, score, cluster, write
    trained_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, version)
);
COMMENT ON TABLE aepg.versions IS 'aepg trained versions: options, preprocessing, threshold, centroids, loss history';

-- Weights and biases, readable from SQL (weights are inputs x outputs, row-major).
CREATE TABLE IF NOT EXISTS aepg.layers (
    model       text NOT NULL,
    version     integer NOT NULL,
    layer       integer NOT NULL,
    role        text NOT NULL CHECK (role IN ('encoder', 'decoder')),
    inputs      integer NOT NULL,
    outputs     integer NOT NULL,
    activation  text NOT NULL,
    weights     real[] NOT NULL,
    bias        real[] NOT NULL,
    PRIMARY KEY (model, version, layer),
    FOREIGN KEY (model, version) REFERENCES aepg.versions (model, version) ON DELETE CASCADE
);
COMMENT ON TABLE aepg.layers IS 'aepg network layers per version: weights (inputs x outputs, row-major) and bias';

-- The installed schema version, for upgrades.
CREATE TABLE IF NOT EXISTS aepg.meta (
    key    text PRIMARY KEY,
    value  text NOT NULL
);
INSERT INTO aepg.meta VALUES ('schema_version', '0.1.0')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;

-- Installed as an extension, the catalog's rows are user data: pg_dump must keep them.
-- (Outside CREATE EXTENSION the call raises an error, which is expected and ignored.)
DO $$
BEGIN
    PERFORM pg_catalog.pg_extension_config_dump('aepg.models', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.versions', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.layers', '');
EXCEPTION WHEN object_not_in_prerequisite_state OR feature_not_supported THEN
    NULL;
END
$$;

-- Name of a model's results table, views and the like: aepg.<model>_<suffix>.
CREATE OR REPLACE FUNCTION aepg.object_name(p_model text, p_suffix text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT format('aepg.%I', p_model || '_' || p_suffix)
$$;
COMMENT ON FUNCTION aepg.object_name(text, text) IS 'qualified, quoted name of a per-model object';

-- Creates (or, when the source key changed type, recreates) aepg.<model>_results:
-- one row per (version, key) with the latent vector, cluster, distance, score and top features.
CREATE OR REPLACE FUNCTION aepg.prepare_results(p_model text)
RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
    m         aepg.models;
    key_type  text;
    existing  text;
    results   text := aepg.object_name(p_model, 'results');
BEGIN
    SELECT * INTO m FROM aepg.models WHERE name = p_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aepg model "%" does not exist', p_model USING ERRCODE = 'undefined_object';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO key_type
      FROM pg_attribute a
     WHERE a.attrelid = m.source AND a.attname = m.key_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF key_type IS NULL THEN
        RAISE EXCEPTION 'table % has no column "%"', m.source, m.key_column USING ERRCODE = 'undefined_column';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO existing
      FROM pg_attribute a
     WHERE a.attrelid = to_regclass(results) AND a.attname = m.key_column AND NOT a.attisdropped;
    IF existing IS DISTINCT FROM key_type THEN
        EXECUTE format('DROP TABLE IF EXISTS %s CASCADE', results);
    END IF;
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %s (
             %I %s NOT NULL,
             version integer NOT NULL,
             latent real[] NOT NULL,
             cluster integer,
             distance real,
             score double precision NOT NULL,
             top_features text[],
             PRIMARY KEY (version, %I))',
        results, m.key_column, key_type, m.key_column);
    RETURN results::regclass;
END
$$;
COMMENT ON FUNCTION aepg.prepare_results(text) IS 'creates the results table of an aepg model, keyed like its source';

-- (Re)creates the views of a model. They always show the active version, so switching
-- aepg.models.active_version switches every view at once.
CREATE OR REPLACE FUNCTION aepg.refresh_views(p_model text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    m          aepg.models;
    features   text[];
    results    text := aepg.object_name(p_model, 'results');
    active     text;
    means      text;
BEGIN
    SELECT * INTO m FROM aepg.models WHERE name = p_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aepg model "%" does not exist', p_model USING ERRCODE = 'undefined_object';
    END IF;
    SELECT v.features INTO features FROM aepg.versions v
     WHERE v.model = p_model AND v.version = m.active_version;

    EXECUTE format('DROP VIEW IF EXISTS %s, %s, %s',
                   aepg.object_name(p_model, 'flags'), aepg.object_name(p_model, 'clusters'),
                   aepg.object_name(p_model, 'cluster_profile'));

    -- The active version of this model, as a join condition on r.version.
    active := format('JOIN aepg.models m ON m.name = %L AND r.version = m.active_version
         JOIN aepg.versions v ON v.model = m.name AND v.version = m.active_version', p_model);

    EXECUTE format(
        'CREATE VIEW %s AS
         SELECT s.*, r.score, r.score > v.threshold AS flagged, r.cluster
           FROM %s s
           JOIN %s r ON r.%I = s.%I
           %s',
        aepg.object_name(p_model, 'flags'), m.source, results, m.key_column, m.key_column, active);
    EXECUTE format('COMMENT ON VIEW %s IS %L', aepg.object_name(p_model, 'flags'),
                   'every scored row of ' || m.source::text || ' with its anomaly score, flag and cluster (active version)');

    EXECUTE format(
        'CREATE VIEW %s AS
         SELECT r.%I, r.cluster, r.distance, r.latent
           FROM %s r
           %s',
        aepg.object_name(p_model, 'clusters'), m.key_column, results, active);
    EXECUTE format('COMMENT ON VIEW %s IS %L', aepg.object_name(p_model, 'clusters'),
                   'cluster label and latent vector of every scored row (active version)');

    SELECT string_agg(format('avg(s.%I::double precision) AS %I', f, 'mean_' || f), E',\n                ' ORDER BY o)
      INTO means FROM unnest(features) WITH ORDINALITY AS t(f, o);
    EXECUTE format(
        'CREATE VIEW %s AS
         SELECT r.cluster,
                count(*) AS rows,
                avg(r.score) AS mean_score,
                avg((r.score > v.threshold)::int)::double precision AS share_flagged%s
           FROM %s r
           JOIN %s s ON s.%I = r.%I
           %s
          GROUP BY r.cluster
          ORDER BY r.cluster',
        aepg.object_name(p_model, 'cluster_profile'),
        CASE WHEN means IS NULL THEN '' ELSE E',\n                ' || means END,
        results, m.source, m.key_column, m.key_column, active);
    EXECUTE format('COMMENT ON VIEW %s IS %L', aepg.object_name(p_model, 'cluster_profile'),
                   'per cluster: rows, mean score, share flagged and feature means (active version)');
END
$$;
COMMENT ON FUNCTION aepg.refresh_views(text) IS 'recreates the flags, clusters and cluster_profile views of an aepg model';

-- Makes a trained version the active one; the views follow at once.
CREATE OR REPLACE FUNCTION aepg.activate(p_model text, p_version integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM aepg.versions WHERE model = p_model AND version = p_version) THEN
        RAISE EXCEPTION 'aepg model "%" has no version %', p_model, p_version USING ERRCODE = 'undefined_object';
    END IF;
    UPDATE aepg.models SET active_version = p_version, updated_at = now() WHERE name = p_model;
    PERFORM aepg.refresh_views(p_model);
END
$$;
COMMENT ON FUNCTION aepg.activate(text, integer) IS 'makes a trained version of an aepg model the active one';

-- Drops the views and results table of a model (its catalog rows are the caller's).
CREATE OR REPLACE FUNCTION aepg.drop_model_objects(p_model text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP VIEW IF EXISTS %s, %s, %s',
                   aepg.object_name(p_model, 'flags'), aepg.object_name(p_model, 'clusters'),
                   aepg.object_name(p_model, 'cluster_profile'));
    EXECUTE format('DROP TABLE IF EXISTS %s', aepg.object_name(p_model, 'results'));
END
$$;
COMMENT ON FUNCTION aepg.drop_model_objects(text) IS 'drops the results table and views of an aepg model';
