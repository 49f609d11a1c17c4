-- aepg 0.1.0 -> 0.2.0: model families (denoising, variational), scalers, categorical inputs,
-- deep embedded clustering. Applied by `aepg init` / any aepg command on a 0.1.0 schema, or by
-- ALTER EXTENSION aepg UPDATE. Safe to run again.

\echo Use "ALTER EXTENSION aepg UPDATE TO '0.2.0'" or "aepg init" to load this file. \quit

-- Deep embedded clustering stores its fine-tuned encoder next to the autoencoder.
ALTER TABLE aepg.layers DROP CONSTRAINT IF EXISTS layers_role_check;
ALTER TABLE aepg.layers ADD CONSTRAINT layers_role_check CHECK (role IN ('encoder', 'decoder', 'cluster_encoder'));
COMMENT ON COLUMN aepg.layers.role IS 'encoder and decoder: the autoencoder; cluster_encoder: the encoder fine-tuned by deep embedded clustering';
COMMENT ON COLUMN aepg.versions.preprocessing IS
    '{"method":"standard|minmax|robust|none","center":[..],"scale":[..],"fill":[..],"inputs":[..],"encoding":{..}}; 0.1.0 versions have "mean" for "center"';

-- Results gain the soft-assignment confidence of deep embedded clustering (NULL for k-means).
CREATE OR REPLACE FUNCTION aepg.prepare_results(p_model text)
RETURNS regclass LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m         aepg.models;
    key_type  text;
    existing  text;
    results   text := aepg.object_name(p_model, 'results');
BEGIN
    m := aepg.model_row(p_model);
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
             confidence real,
             score double precision NOT NULL,
             top_features text[],
             PRIMARY KEY (version, %I))',
        results, m.key_column, key_type, m.key_column);
    EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS confidence real', results);
    RETURN results::regclass;
END
$$;

-- The clusters view shows the confidence; the rest of refresh_views is as in 0.1.0.
CREATE OR REPLACE FUNCTION aepg.refresh_views(p_model text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m          aepg.models;
    features   text[];
    results    text := aepg.object_name(p_model, 'results');
    active     text;
    means      text;
BEGIN
    m := aepg.model_row(p_model);
    SELECT v.features INTO features FROM aepg.versions v
     WHERE v.model = p_model AND v.version = m.active_version;

    EXECUTE format('DROP VIEW IF EXISTS %s, %s, %s',
                   aepg.object_name(p_model, 'flags'), aepg.object_name(p_model, 'clusters'),
                   aepg.object_name(p_model, 'cluster_profile'));

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
         SELECT r.%I, r.cluster, r.distance, r.confidence, r.latent
           FROM %s r
           %s',
        aepg.object_name(p_model, 'clusters'), m.key_column, results, active);
    EXECUTE format('COMMENT ON VIEW %s IS %L', aepg.object_name(p_model, 'clusters'),
                   'cluster label, distance to its centroid, soft-assignment confidence (deep embedded clustering) and latent vector of every scored row (active version)');

    -- Numeric features only: text (categorical) features have no mean.
    SELECT string_agg(format('avg(s.%I::double precision) AS %I', f, 'mean_' || f), E',\n                ' ORDER BY o)
      INTO means
      FROM unnest(features) WITH ORDINALITY AS t(f, o)
      JOIN pg_attribute a ON a.attrelid = m.source AND a.attname = t.f
     WHERE a.atttypid IN ('bool'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                          'float4'::regtype, 'float8'::regtype, 'numeric'::regtype);
    EXECUTE format(
        'CREATE VIEW %s AS
         SELECT r.cluster,
                count(*) AS rows,
                avg(r.score) AS mean_score,
                avg((r.score > v.threshold)::int)::double precision AS share_flagged,
                avg(r.confidence)::double precision AS mean_confidence%s
           FROM %s r
           JOIN %s s ON s.%I = r.%I
           %s
          GROUP BY r.cluster
          ORDER BY r.cluster',
        aepg.object_name(p_model, 'cluster_profile'),
        CASE WHEN means IS NULL THEN '' ELSE E',\n                ' || means END,
        results, m.source, m.key_column, m.key_column, active);
    EXECUTE format('COMMENT ON VIEW %s IS %L', aepg.object_name(p_model, 'cluster_profile'),
                   'per cluster: rows, mean score, share flagged, mean confidence and feature means (active version)');
END
$$;

-- One dense layer, y = activation(x · W + b), W inputs x outputs row-major, as the worker computes it.
CREATE OR REPLACE FUNCTION aepg.apply_layer(p_weights real[], p_bias real[], p_activation text, x double precision[])
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    outputs  integer := array_length(p_bias, 1);
    y        double precision[] := array_fill(0::float8, ARRAY[array_length(p_bias, 1)]);
    acc      double precision;
BEGIN
    FOR j IN 1..outputs LOOP
        acc := p_bias[j];
        FOR i IN 1..array_length(x, 1) LOOP
            acc := acc + x[i] * p_weights[(i - 1) * outputs + j];
        END LOOP;
        y[j] := aepg.activate_value(p_activation, acc);
    END LOOP;
    RETURN y;
END
$$;
COMMENT ON FUNCTION aepg.apply_layer(real[], real[], text, double precision[]) IS 'one aepg dense layer applied to a vector';

-- In-SQL scoring follows the worker for every 0.2.0 option that needs no text input: any scaler,
-- variational networks (the decoder reads the mean), deep embedded clustering's encoder, the MAE
-- score. Models with categorical inputs or NULL indicators are scored by the worker (aepg score).
CREATE OR REPLACE FUNCTION aepg.score(p_model text, p_features double precision[],
                                      OUT score double precision, OUT flagged boolean, OUT cluster integer,
                                      OUT latent real[], OUT top_features text[], OUT distance real)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v         aepg.versions;
    n         integer;
    x         double precision[];
    input     double precision[];
    errors    double precision[];
    layer     record;
    best      double precision;
    d         double precision;
    center    jsonb;
    fill      jsonb;
    by_mae    boolean;
    stats     double precision[];
    l         integer;
BEGIN
    SELECT ver.* INTO v FROM aepg.models m JOIN aepg.versions ver ON ver.model = m.name AND ver.version = m.active_version
     WHERE m.name = p_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aepg model "%" does not exist or has no trained version', p_model USING ERRCODE = 'undefined_object';
    END IF;
    IF jsonb_array_length(coalesce(v.preprocessing->'encoding'->'categorical', '[]')) > 0
       OR jsonb_array_length(coalesce(v.preprocessing->'encoding'->'nullIndicators', '[]')) > 0 THEN
        RAISE EXCEPTION 'aepg model "%" has categorical inputs or NULL indicators, which only the worker encodes', p_model
              USING ERRCODE = 'feature_not_supported', HINT = 'score its rows with: aepg score ' || p_model;
    END IF;
    n := array_length(v.features, 1);
    IF coalesce(array_length(p_features, 1), 0) <> n THEN
        RAISE EXCEPTION 'aepg model "%" expects % features (%), not %', p_model, n, array_to_string(v.features, ', '),
              coalesce(array_length(p_features, 1), 0) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    center := coalesce(v.preprocessing->'center', v.preprocessing->'mean');
    fill := v.preprocessing->'fill';
    by_mae := v.options->>'loss' = 'mae';
    -- Scale; NULL becomes the training mean (scaled), as in the worker.
    FOR i IN 1..n LOOP
        IF p_features[i] = 'NaN'::float8 OR p_features[i] IN ('Infinity'::float8, '-Infinity'::float8) THEN
            RAISE EXCEPTION 'feature "%" is %', v.features[i], p_features[i] USING ERRCODE = 'invalid_parameter_value';
        END IF;
        x[i] := coalesce((p_features[i] - (center->>(i - 1))::float8) / (v.preprocessing->'scale'->>(i - 1))::float8,
                         (fill->>(i - 1))::float8, 0);
    END LOOP;
    input := x;
    FOR layer IN SELECT * FROM aepg.layers WHERE model = p_model AND version = v.version AND role <> 'cluster_encoder'
                  ORDER BY layer LOOP
        -- A variational encoder outputs mean and log-variance; the decoder reads the mean.
        IF array_length(x, 1) > layer.inputs THEN stats := x; x := x[1:layer.inputs]; latent := x::real[]; END IF;
        x := aepg.apply_layer(layer.weights, layer.bias, layer.activation, x);
        IF layer.role = 'encoder' THEN latent := x::real[]; END IF;
    END LOOP;
    SELECT array_agg(CASE WHEN by_mae THEN abs(x[i] - input[i]) ELSE (x[i] - input[i]) ^ 2 END ORDER BY i)
      INTO errors FROM generate_series(1, n) AS i;
    SELECT avg(e) INTO score FROM unnest(errors) AS e;
    -- score elbo: plus beta * KL(q(z|x) || N(0, I)) / inputs, from the means and log-variances.
    IF v.options->>'score' = 'elbo' THEN
        l := array_length(stats, 1) / 2;
        score := score + (v.options->>'beta')::float8 / n
                 * (SELECT sum(-0.5 * (1 + stats[l + j] - stats[j] ^ 2 - exp(stats[l + j]))) FROM generate_series(1, l) AS j);
    END IF;
    flagged := score > v.threshold;
    SELECT array_agg(v.features[i] ORDER BY errors[i] DESC, i) INTO top_features
      FROM (SELECT i FROM generate_series(1, n) AS i ORDER BY errors[i] DESC, i LIMIT 3) AS t;
    -- Deep embedded clustering: the latent space of the fine-tuned encoder.
    IF EXISTS (SELECT 1 FROM aepg.layers WHERE model = p_model AND version = v.version AND role = 'cluster_encoder') THEN
        x := input;
        FOR layer IN SELECT * FROM aepg.layers WHERE model = p_model AND version = v.version AND role = 'cluster_encoder'
                      ORDER BY layer LOOP
            x := aepg.apply_layer(layer.weights, layer.bias, layer.activation, x);
        END LOOP;
        latent := x[1:array_length(v.centroids, 2)]::real[];
    END IF;
    -- Nearest centroid (centroids is clusters x latent).
    FOR c IN 1..coalesce(array_length(v.centroids, 1), 0) LOOP
        d := 0;
        FOR k IN 1..array_length(latent, 1) LOOP
            d := d + (latent[k]::float8 - v.centroids[c][k]) ^ 2;
        END LOOP;
        IF best IS NULL OR d < best THEN best := d; cluster := c - 1; END IF;
    END LOOP;
    distance := sqrt(best);
END
$$;

-- create_model: text features are allowed when the options name a categorical encoding, and
-- option keys are checked, so a misspelt option is an error instead of a silent default.
CREATE OR REPLACE FUNCTION aepg.create_model(name text, source regclass, key text, features text[] DEFAULT NULL,
                                             exclude text[] DEFAULT NULL, label text DEFAULT NULL,
                                             options jsonb DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    col      text;
    kind     text;
    unknown  text;
    known    text[] := ARRAY['kind', 'hidden', 'latent', 'activation', 'output_activation', 'optimizer',
                             'learning_rate', 'batch_size', 'epochs', 'validation', 'patience', 'min_rel_progress',
                             'seed', 'loss', 'score', 'l1', 'l2', 'l1_activity', 'dropout', 'noise', 'beta', 'scale',
                             'categorical', 'null_indicators', 'cluster', 'clusters', 'dec_update_interval', 'dec_tol',
                             'threshold_sigma', 'contamination', 'train_on'];
BEGIN
    IF NOT has_table_privilege(source, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied: you cannot read %, so you cannot define a model on it', source
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF name IS NULL OR name !~ '^[a-z_][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'model name "%" is not allowed', name
              USING ERRCODE = 'invalid_name',
                    HINT = 'use 1 to 40 lowercase letters, digits or underscores, starting with a letter or underscore';
    END IF;
    SELECT string_agg(k, ', ') INTO unknown FROM jsonb_object_keys(coalesce(options, '{}')) AS k WHERE k <> ALL (known);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown option(s): %', unknown
              USING ERRCODE = 'invalid_parameter_value', HINT = 'options are: ' || array_to_string(known, ', ');
    END IF;
    FOREACH col IN ARRAY ARRAY[key, label] || coalesce(features, '{}') || coalesce(exclude, '{}') LOOP
        CONTINUE WHEN col IS NULL;
        SELECT format_type(a.atttypid, a.atttypmod) INTO kind FROM pg_attribute a
         WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF kind IS NULL THEN
            RAISE EXCEPTION 'table % has no column "%"', source, col USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    FOREACH col IN ARRAY CASE WHEN options ? 'categorical' THEN '{}'::text[] ELSE coalesce(features, '{}') END LOOP
        SELECT format_type(a.atttypid, a.atttypmod) INTO kind FROM pg_attribute a
         WHERE a.attrelid = source AND a.attname = col AND a.atttypid NOT IN (16, 20, 21, 23, 700, 701, 1700);
        IF kind IS NOT NULL THEN
            RAISE EXCEPTION 'feature column "%" of % has type %; features must be numeric', col, source, kind
                  USING ERRCODE = 'datatype_mismatch', HINT = 'set the option "categorical" to onehot or label to encode text columns';
        END IF;
    END LOOP;
    INSERT INTO aepg.models AS m (name, source, key_column, features, exclude, label_column, options)
    VALUES (create_model.name, source, key, features, coalesce(exclude, '{}'), label, coalesce(options, '{}'))
    ON CONFLICT ON CONSTRAINT models_pkey DO UPDATE
       SET source = EXCLUDED.source, key_column = EXCLUDED.key_column, features = EXCLUDED.features,
           exclude = EXCLUDED.exclude, label_column = EXCLUDED.label_column, options = EXCLUDED.options,
           updated_at = now();
END
$$;

-- Existing models: their results tables gain the column, their views the new shape.
DO $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT name, active_version FROM aepg.models LOOP
        IF to_regclass(aepg.object_name(m.name, 'results')) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS confidence real', aepg.object_name(m.name, 'results'));
            IF m.active_version IS NOT NULL THEN PERFORM aepg.refresh_views(m.name); END IF;
        END IF;
    END LOOP;
END
$$;

INSERT INTO aepg.meta VALUES ('schema_version', '0.2.0')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
