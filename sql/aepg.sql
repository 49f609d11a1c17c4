-- aepg: the catalog the aepg worker writes and the functions that shape each model's results
-- table and views. This file is the schema as it is now: `aepg init` runs it (after the deltas in
-- upgrades/ when the database has an older schema), and `aepg extension` wraps it into the
-- versioned scripts of CREATE EXTENSION aepg. Every statement is safe to run again.

-- Names below are resolved in pg_catalog first and nowhere else: an extension script otherwise
-- runs with the schema it was created in (public, say) on its path, where a lookalike function
-- could bind into a view made here.
SET LOCAL search_path = pg_catalog, pg_temp;

CREATE SCHEMA IF NOT EXISTS aepg;
COMMENT ON SCHEMA aepg IS 'aepg: autoencoder models, their versions, per-row results and anomaly views';

-- One row per model: what to read and how to train it.
CREATE TABLE IF NOT EXISTS aepg.models (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z_][a-z0-9_]{0,39}$'),  -- the one rule for model names
    source          regclass NOT NULL,
    key_column      text NOT NULL,
    features        text[],                      -- NULL: every numeric column but key, label, exclude
    exclude         text[] NOT NULL DEFAULT '{}',
    label_column    text,
    options         jsonb NOT NULL DEFAULT '{}', -- as given; unset options take the defaults
    active_version  integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    realtime        boolean NOT NULL DEFAULT false, -- aepg.enable_realtime: a trigger scores written rows
    defined_by      name                         -- who last wrote the definition (aepg.check_model_definition)
);
COMMENT ON TABLE aepg.models IS 'aepg models: source table, key, features and training options';
-- Schema 0.6.0: the worker reads a source only as far as the model's definer may see it.
ALTER TABLE aepg.models ADD COLUMN IF NOT EXISTS defined_by name;

-- Every way of writing a definition (create_model, aepg train, a direct INSERT or UPDATE) passes
-- this check, run with the writer's own rights: the writer must be able to read every row of the
-- source (row-level security that hides rows from the writer would not hide them from a worker
-- that bypasses it, and its results would show them), and the key and the label must be of
-- built-in types (their comparison, cast and I/O functions then run no one's code).
-- Pointing a model at another table switches its realtime scoring off. The writer is recorded
-- (defined_by): row-level security enabled later must not show the worker rows the definer
-- cannot see (SourceTable.pin checks it on every read).
CREATE OR REPLACE FUNCTION aepg.check_model_definition()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col       record;
    col_type  oid;
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = NEW.source) NOT IN ('r', 'p', 'm', 'v') THEN
        RAISE EXCEPTION '% is not a table, materialized view or view', NEW.source USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT has_table_privilege(NEW.source, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied: you cannot read %, so you cannot define a model on it', NEW.source
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF row_security_active(NEW.source) THEN
        RAISE EXCEPTION 'row-level security on % hides rows from you, so you cannot define a model on it', NEW.source
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'define it as a role that sees every row (the table''s owner, or one with BYPASSRLS), or on a view of the rows you may see';
    END IF;
    -- The label (when there is one) and the key: present, and of built-in types.
    FOR col IN SELECT * FROM (VALUES
                   (1, 'label', NEW.label_column, 'use a label of a built-in type (a number, or text classes), for example through a view that casts it'),
                   (2, 'key', NEW.key_column, 'use a key of a built-in type (integer, bigint, text, uuid, ...), for example through a view that casts it'))
                   AS c(ord, role, name, hint)
                WHERE c.name IS NOT NULL ORDER BY c.ord LOOP
        SELECT a.atttypid INTO col_type FROM pg_attribute a
         WHERE a.attrelid = NEW.source AND a.attname = col.name AND a.attnum > 0 AND NOT a.attisdropped;
        IF col_type IS NULL THEN
            RAISE EXCEPTION 'table % has no column "%"', NEW.source, col.name USING ERRCODE = 'undefined_column';
        END IF;
        IF col_type >= 16384 THEN
            RAISE EXCEPTION '% column "%" of % has type %, which is not built in', col.role, col.name, NEW.source, col_type::regtype
                  USING ERRCODE = 'datatype_mismatch', HINT = col.hint;
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND NEW.source IS DISTINCT FROM OLD.source THEN
        NEW.realtime := false;
    END IF;
    NEW.defined_by := current_user;
    RETURN NEW;
END
$$;
DO $$
BEGIN
    -- Recreated, so that an upgraded schema gets the column list of this one.
    DROP TRIGGER IF EXISTS check_model_definition ON aepg.models;
    CREATE TRIGGER check_model_definition
        BEFORE INSERT OR UPDATE OF source, key_column, features, exclude, label_column, defined_by ON aepg.models
        FOR EACH ROW EXECUTE FUNCTION aepg.check_model_definition();
END
$$;

-- A model belongs to the role that defined it (defined_by). Only members of that role may
-- redefine, drop, activate or retrain it or switch its realtime scoring; so may whoever can
-- publish versions (aepg's worker and the schema's owner), as training and rollbacks need. A model
-- defined before schema 0.6.0 has no definer and stays open to every operator until someone
-- redefines it. A job may be queued only for a model that exists (a job queued ahead for a name
-- would run on whoever's model takes it), and switching realtime scoring on takes the right to
-- put triggers on the source (as aepg.enable_realtime does), so that nobody re-arms a realtime
-- trigger left on a table that is not theirs. A trigger on aepg.models (INSERT, UPDATE, DELETE)
-- and aepg.jobs (INSERT), run with the caller's rights: current_user is whoever asks, and every
-- function that changes a model does so through one of those statements.
CREATE OR REPLACE FUNCTION aepg.check_model_change()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    model      text;
    owner      name;
    publisher  boolean := has_table_privilege('aepg.versions', 'INSERT');
BEGIN
    IF TG_TABLE_NAME = 'jobs' THEN
        model := NEW.model;
        -- Locked until the job is queued: the model cannot be dropped (and its name taken) meanwhile.
        SELECT m.defined_by INTO owner FROM aepg.models m WHERE m.name = NEW.model FOR KEY SHARE;
        IF NOT FOUND AND NOT publisher THEN
            RAISE EXCEPTION 'aepg model "%" does not exist', NEW.model USING ERRCODE = 'undefined_object';
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.created_at := now();  -- a training checks it to publish only into the model it read
    ELSE
        model := OLD.name;
        owner := OLD.defined_by;
        IF TG_OP = 'UPDATE' THEN
            NEW.created_at := OLD.created_at;
        END IF;
        -- A model keeps its name: renamed, its jobs would wait for whoever takes the name next.
        IF TG_OP = 'UPDATE' AND NEW.name IS DISTINCT FROM OLD.name THEN
            RAISE EXCEPTION 'aepg model "%" cannot be renamed', OLD.name USING ERRCODE = 'feature_not_supported',
                  HINT = 'define a model under the new name (aepg.create_model) and drop the old one';
        END IF;
    END IF;
    IF owner IS NOT NULL AND NOT publisher
       AND NOT (EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = owner) AND pg_has_role(owner, 'MEMBER')) THEN
        RAISE EXCEPTION 'aepg model "%" belongs to %, so you cannot change, retrain or drop it', model, owner
              USING ERRCODE = 'insufficient_privilege',
                    HINT = format('ask a member of %s (GRANT %I TO you shares it), or define a model of your own under another name',
                                  owner, owner);
    END IF;
    -- (Nested: a condition naming NEW.realtime must not be evaluated for a job, nor OLD for an insert.)
    IF TG_TABLE_NAME = 'models' AND TG_OP <> 'DELETE' THEN
        IF NEW.realtime AND NOT has_table_privilege(NEW.source, 'TRIGGER') THEN
            IF TG_OP = 'INSERT' OR NOT OLD.realtime THEN
                RAISE EXCEPTION 'switching realtime scoring on for "%" takes the right to put triggers on %', NEW.name, NEW.source
                      USING ERRCODE = 'insufficient_privilege', HINT = 'ask the table''s owner to run aepg.enable_realtime';
            END IF;
        END IF;
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
DO $$
BEGIN
    -- Named to fire before check_model_definition (triggers fire in name order): a caller who may
    -- not touch the model hears that first.
    DROP TRIGGER IF EXISTS check_model_caller ON aepg.models;
    CREATE TRIGGER check_model_caller BEFORE INSERT OR UPDATE OR DELETE ON aepg.models
        FOR EACH ROW EXECUTE FUNCTION aepg.check_model_change();
END
$$;

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
    members         jsonb,                       -- an ensemble's members: [{"variational":..,"kl_weight":..,"center":..,"scale":..}]
    PRIMARY KEY (model, version)
);
COMMENT ON COLUMN aepg.versions.preprocessing IS
    '{"method":"standard|minmax|robust|robust-asinh|none","center":[..],"scale":[..],"fill":[..],"compressed":[..],"inputs":[..],"encoding":{..}}; an input i is asinh((x - center[i]) / scale[i]) where compressed[i] is true (absent: none), else (x - center[i]) / scale[i]; 0.1.0 versions have "mean" for "center"';
COMMENT ON TABLE aepg.versions IS 'aepg trained versions: options, preprocessing, threshold, centroids, loss history';
COMMENT ON COLUMN aepg.versions.members IS
    'an ensemble''s members in order (their layers have aepg.layers.member = their index): a member''s score s counts as (s - center) / scale; NULL for a single network';

-- Weights and biases, readable from SQL (weights are inputs x outputs, row-major).
CREATE TABLE IF NOT EXISTS aepg.layers (
    model       text NOT NULL,
    version     integer NOT NULL,
    layer       integer NOT NULL,
    role        text NOT NULL CONSTRAINT layers_role_check CHECK (role IN ('encoder', 'decoder', 'cluster_encoder')),
    inputs      integer NOT NULL,
    outputs     integer NOT NULL,
    activation  text NOT NULL,
    weights     real[] NOT NULL,
    bias        real[] NOT NULL,
    member      integer NOT NULL DEFAULT 0,  -- the ensemble member the layer belongs to (0 for a single network)
    PRIMARY KEY (model, version, layer),
    FOREIGN KEY (model, version) REFERENCES aepg.versions (model, version) ON DELETE CASCADE
);
COMMENT ON TABLE aepg.layers IS 'aepg network layers per version: weights (inputs x outputs, row-major) and bias';
COMMENT ON COLUMN aepg.layers.role IS 'encoder and decoder: the autoencoder; cluster_encoder: the encoder the clusters live in (fine-tuned by deep embedded clustering or as a neighbour embedding)';

-- Quality of a version against a label column, one row per `aepg evaluate` run.
CREATE TABLE IF NOT EXISTS aepg.evaluations (
    id       bigserial PRIMARY KEY,
    model    text NOT NULL REFERENCES aepg.models (name) ON DELETE CASCADE,
    version  integer NOT NULL,
    label    text NOT NULL,
    metrics  jsonb NOT NULL,   -- roc_auc, pr_auc, precision, recall, f1, confusion counts, precision at top 1 % / 5 %
    at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE aepg.evaluations IS 'aepg evaluations: metrics of a version against a label column';

-- The installed schema version, for upgrades.
CREATE TABLE IF NOT EXISTS aepg.meta (
    key    text PRIMARY KEY,
    value  text NOT NULL
);

-- The training options create_model accepts, written by `aepg init` (and into the extension's
-- install script) from the declarations the worker reads its options with.
CREATE TABLE IF NOT EXISTS aepg.option_keys (
    key            text PRIMARY KEY,
    flag           text NOT NULL,    -- the same option on aepg's command line
    default_value  jsonb,            -- NULL when the default depends on other options
    help           text NOT NULL
);
COMMENT ON TABLE aepg.option_keys IS 'aepg training options: the keys of create_model''s options and of train jobs';

-- Replaces the option list with the one given as a JSON array of {key, flag, default_value, help}.
CREATE OR REPLACE FUNCTION aepg.set_option_keys(p_options jsonb)
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM aepg.option_keys;
    INSERT INTO aepg.option_keys (key, flag, default_value, help)
    SELECT o.key, o.flag, o.default_value, o.help
      FROM jsonb_to_recordset(p_options) AS o(key text, flag text, default_value jsonb, help text);
$$;

-- Rows the realtime trigger could not score: the user's write is kept, the row stays unscored
-- (the next `aepg score` scores it), and the reason is here. Scoring the row in realtime later clears it.
CREATE TABLE IF NOT EXISTS aepg.realtime_failures (
    model     text NOT NULL REFERENCES aepg.models (name) ON DELETE CASCADE,
    key       text NOT NULL,   -- the row's key as text ('' when the key was NULL)
    reason    text NOT NULL,
    failures  integer NOT NULL DEFAULT 1,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, key)
);
COMMENT ON TABLE aepg.realtime_failures IS 'rows the realtime trigger stored unscored, with the reason';

-- Rows written in serializable transactions, which the realtime trigger does not score (the
-- predicate locks of scoring would fail unrelated writers at COMMIT): the table written, the
-- column the trigger was told is the key, and its value as text (the trigger's settings
-- pinned). No index and nothing read by the trigger, so noting one takes no predicate lock.
-- `aepg score` clears such rows' results first (aepg.take_pending), and so scores them again.
-- Only the owner and the worker read it: a serializable transaction that read it would be tied
-- to every serializable writer of a realtime source (and could fail their COMMIT).
CREATE TABLE IF NOT EXISTS aepg.realtime_pending (
    model       text NOT NULL,
    relid       oid NOT NULL,
    key_column  text NOT NULL,
    key         text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    -- The writer's transaction (its top level: the note is made in a subtransaction, whose own id
    -- a snapshot does not list), for aepg.settle_pending.
    noted_in    xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id()
);
COMMENT ON TABLE aepg.realtime_pending IS 'rows written in serializable transactions, to be scored again by aepg score';
-- Models with a training between its read and its publication: `aepg train` registers before it
-- reads and clears the row in the transaction that activates its version (or when it fails). The
-- realtime trigger notes the rows it scores meanwhile in aepg.realtime_pending, for the new
-- version has them as the training read them; those the read saw are settled as it publishes
-- (aepg.settle_pending), the rest are scored again by aepg score. A training killed outright
-- leaves its row: rows are noted until the model's next training publishes.
CREATE TABLE IF NOT EXISTS aepg.trainings (
    model  text PRIMARY KEY,
    since  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE aepg.trainings IS 'models being trained: the realtime trigger notes the rows it scores meanwhile';

-- Schema 0.8.1: a training settles the notes its read saw (notes made before count as seen by the
-- next training: they were committed when the column was added). Looked up first: ALTER TABLE
-- locks the notes out before it finds the column there, and the trigger's notes wait 200 ms at most.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'aepg.realtime_pending'::pg_catalog.regclass
                                                         AND a.attname = 'noted_in' AND NOT a.attisdropped) THEN
        ALTER TABLE aepg.realtime_pending ADD COLUMN noted_in xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id();
    END IF;
END
$$;
DO $$
BEGIN
    -- Made after `aepg init --roles` (an upgrade), it got the reader's default SELECT.
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'aepg_reader') THEN
        REVOKE ALL ON aepg.realtime_pending FROM aepg_reader;
    END IF;
END
$$;

-- Name of a model's results table, views and the like: aepg.<model>_<suffix>.
CREATE OR REPLACE FUNCTION aepg.object_name(p_model text, p_suffix text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT format('aepg.%I', p_model || '_' || p_suffix)
$$;
COMMENT ON FUNCTION aepg.object_name(text, text) IS 'qualified, quoted name of a per-model object';

-- The catalog row of a model, or the error every aepg function gives for an unknown one.
CREATE OR REPLACE FUNCTION aepg.model_row(p_model text)
RETURNS aepg.models LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m aepg.models;
BEGIN
    SELECT * INTO m FROM aepg.models WHERE name = p_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aepg model "%" does not exist', p_model USING ERRCODE = 'undefined_object';
    END IF;
    RETURN m;
END
$$;
COMMENT ON FUNCTION aepg.model_row(text) IS 'the aepg.models row of a model; raises undefined_object when there is none';

-- Whether a column type is one aepg reads as a number: the built-in boolean, integer, floating-point
-- and numeric types (the same list as SourceColumn.isNumeric in the worker; a test holds them together).
CREATE OR REPLACE FUNCTION aepg.is_numeric_type(p_type oid)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_type IN ('pg_catalog.bool'::pg_catalog.regtype, 'pg_catalog.int2'::pg_catalog.regtype,
                      'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype,
                      'pg_catalog.float4'::pg_catalog.regtype, 'pg_catalog.float8'::pg_catalog.regtype,
                      'pg_catalog.numeric'::pg_catalog.regtype)
$$;

-- Whether a column type is an array of numbers, which aepg reads as one input per element: the
-- numeric types above but boolean, in any number of dimensions (SourceColumn.isNumericArray).
CREATE OR REPLACE FUNCTION aepg.is_numeric_array_type(p_type oid)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_type IN ('pg_catalog.int2[]'::pg_catalog.regtype, 'pg_catalog.int4[]'::pg_catalog.regtype,
                      'pg_catalog.int8[]'::pg_catalog.regtype, 'pg_catalog.float4[]'::pg_catalog.regtype,
                      'pg_catalog.float8[]'::pg_catalog.regtype, 'pg_catalog.numeric[]'::pg_catalog.regtype)
$$;

-- A version's feature columns in input order, from its input names and its encoding: a scalar
-- column is one input; an array column (encoding.arrays) is `length` inputs named column[i].
CREATE OR REPLACE FUNCTION aepg.feature_columns(p_features text[], p_encoding jsonb,
                                                OUT name text, OUT length integer, OUT is_array boolean)
RETURNS SETOF record LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(a.name, t.f), coalesce(a.length, 1), a.name IS NOT NULL
      FROM unnest(p_features) WITH ORDINALITY AS t(f, o)
      LEFT JOIN jsonb_to_recordset(coalesce(p_encoding->'arrays', '[]')) AS a(name text, length integer, start integer)
             ON t.o - 1 BETWEEN a.start AND a.start + a.length - 1
     WHERE a.name IS NULL OR t.o - 1 = a.start
     ORDER BY t.o
$$;

-- An array feature's inputs: its elements in row-major order (an 8 x 8 image is 64 inputs); a NULL
-- array is NULL in every element (imputed like a NULL column); another length is an error.
CREATE OR REPLACE FUNCTION aepg.array_inputs(p_values double precision[], p_column text, p_length integer)
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_values IS NULL THEN
        RETURN pg_catalog.array_fill(NULL::double precision, ARRAY[p_length]);
    END IF;
    IF pg_catalog.cardinality(p_values) <> p_length THEN
        RAISE EXCEPTION 'array feature "%" has % elements; the model was trained with %', p_column,
              pg_catalog.cardinality(p_values), p_length USING ERRCODE = 'array_subscript_error';
    END IF;
    RETURN ARRAY(SELECT pg_catalog.unnest(p_values));
END
$$;

-- A JSON array of numbers (nested for several dimensions, null for NULL elements) as float8[],
-- as to_jsonb writes an array column; JSON null is NULL.
CREATE OR REPLACE FUNCTION aepg.json_numbers(p_value jsonb, p_column text)
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_value IS NULL OR jsonb_typeof(p_value) = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_value) <> 'array' THEN
        RAISE EXCEPTION 'feature "%" is an array column, not %', p_column, jsonb_typeof(p_value)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- JSON's [[1, 2], [3, null]] is SQL's {{1, 2}, {3, null}}.
    RETURN translate(p_value::text, '[]', '{}')::double precision[];
END
$$;

-- The type of a table's column as SQL writes it (`numeric(10,2)`), NULL when there is no such column.
CREATE OR REPLACE FUNCTION aepg.column_type(p_table regclass, p_column text)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = p_table AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- Whether a column of a table has a unique index of its own (no expression, no predicate,
-- enforced at once), which realtime scoring needs: without one, a writer could insert a row
-- under another row's key and the trigger would overwrite that row's score (a flagged
-- transaction made to look normal).
CREATE OR REPLACE FUNCTION aepg.has_unique_key(p_table regclass, p_column text)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = p_table AND a.attname = p_column AND i.indisunique AND i.indnkeyatts = 1
                      AND i.indpred IS NULL AND i.indexprs IS NULL
                      -- checked at once (not deferrable), and in use (not left invalid by a failed
                      -- CREATE INDEX CONCURRENTLY, nor made ON ONLY a partitioned table)
                      AND i.indimmediate AND i.indisvalid AND i.indisready AND i.indislive)
$$;

-- Adds the confidence column to a results table made before 0.7.0, and only to one: ALTER TABLE
-- waits for the table's lock even when it has nothing to do, and right after a training
-- autovacuum is often clearing the previous version's rows there (a 1 s wait, then the vacuum
-- cancelled, on every training).
CREATE OR REPLACE FUNCTION aepg.add_confidence(p_results regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF aepg.column_type(p_results, 'confidence') IS NULL THEN
        EXECUTE format('ALTER TABLE %s ADD COLUMN confidence real', p_results);
    END IF;
END
$$;

-- The functions that create, drop or switch per-model objects (and the realtime trigger) run as
-- the schema's owner (SECURITY DEFINER, search_path pinned), so those objects have one owner
-- whichever role (admin, worker, operator) caused them; every name inside is schema-qualified.

-- A model's results table, its key column typed like the source's; a key whose type changed gets
-- a new table. `confidence` is the Student-t soft assignment of the row's cluster (DEC, or k-means in a
-- neighbour embedding; NULL for k-means in the autoencoder's latent space).
-- It is partitioned by version, one partition per version: a training loads its rows into a table
-- of their own and indexes them afterwards (about half the time of loading into an indexed table),
-- and an old version goes by dropping its partition rather than deleting its rows (which left
-- dead rows for vacuum on every training). A table made before 0.8.0 becomes the first partition.
CREATE OR REPLACE FUNCTION aepg.prepare_results(p_model text)
RETURNS regclass LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m         aepg.models;
    key_type  text;
    key_oid   oid;
    existing  text;
    results   text := aepg.object_name(p_model, 'results');
BEGIN
    m := aepg.model_row(p_model);
    SELECT format_type(a.atttypid, a.atttypmod), a.atttypid INTO key_type, key_oid FROM pg_attribute a
     WHERE a.attrelid = m.source AND a.attname = m.key_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF key_type IS NULL THEN
        RAISE EXCEPTION 'table % has no column "%"', m.source, m.key_column USING ERRCODE = 'undefined_column';
    END IF;
    -- The key's comparison and I/O functions run whenever the table is written (by the realtime
    -- trigger, as the owner): only PostgreSQL's own types, checked now, not only at definition.
    IF key_oid >= 16384 THEN
        RAISE EXCEPTION 'key column "%" of % is not of a built-in type', m.key_column, m.source USING ERRCODE = 'datatype_mismatch';
    END IF;
    existing := aepg.column_type(to_regclass(results), m.key_column);
    IF existing IS DISTINCT FROM key_type THEN
        PERFORM aepg.drop_with_views('TABLE', results, format('the key of aepg model "%s" changed type', p_model));
    END IF;
    IF to_regclass(results) IS NOT NULL THEN
        PERFORM aepg.add_confidence(results::regclass);
        PERFORM aepg.partition_results(p_model);
        RETURN results::regclass;
    END IF;
    EXECUTE format(
        'CREATE TABLE %s (
             %I %s NOT NULL,
             version integer NOT NULL,
             latent real[] NOT NULL,
             cluster integer,
             distance real,
             confidence real,
             score double precision NOT NULL,
             top_features text[],
             PRIMARY KEY (version, %I)) PARTITION BY LIST (version)',
        results, m.key_column, key_type, m.key_column);
    RETURN results::regclass;
END
$$;
COMMENT ON FUNCTION aepg.prepare_results(text) IS 'creates the results table of an aepg model, keyed like its source';

-- The partitions of a model's results table with the versions each holds.
CREATE OR REPLACE FUNCTION aepg.results_partitions(p_results regclass)
RETURNS TABLE (part regclass, versions integer[]) LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    -- A partition's bound reads FOR VALUES IN (3) or, for a table made before 0.8.0, (2, 3);
    -- a negative number is quoted ('-1').
    SELECT c.oid::regclass,
           string_to_array(translate(substring(pg_get_expr(c.relpartbound, c.oid) FROM '\((.*)\)'), '''', ''), ', ')::integer[]
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = p_results
$$;

-- Turns a results table made before 0.8.0 into a partitioned one: the old table, renamed, becomes
-- the partition of the versions it holds (it keeps its index), and the model's views move to the
-- new table. Runs once per model, when aepg init upgrades the schema or the model next trains.
CREATE OR REPLACE FUNCTION aepg.partition_results(p_model text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    results   text := aepg.object_name(p_model, 'results');
    legacy    text := aepg.object_name(p_model, 'results_legacy');
    key_name  text;
    held      integer[];
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(results)) IS DISTINCT FROM 'r' THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s RENAME TO %I', results, p_model || '_results_legacy');
    SELECT a.attname INTO key_name FROM pg_attribute a
     WHERE a.attrelid = legacy::regclass AND a.attnum = 1;
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS, PRIMARY KEY (version, %I)) PARTITION BY LIST (version)',
                   results, legacy, key_name);
    EXECUTE format('SELECT array_agg(DISTINCT version ORDER BY version) FROM %s', legacy) INTO held;
    IF held IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%s)', results, legacy, array_to_string(held, ', '));
    END IF;
    IF (SELECT active_version FROM aepg.models WHERE name = p_model) IS NOT NULL THEN
        PERFORM aepg.refresh_views(p_model);
    END IF;
    IF held IS NULL THEN
        PERFORM aepg.drop_with_views('TABLE', legacy, format('the results of aepg model "%s" cannot be partitioned', p_model));
    END IF;
END
$$;

-- A table for the results of a new version, shaped like the model's results table, for the worker
-- to load before aepg.attach_results indexes it and makes it the version's partition. A partition
-- left holding that version number (by a model dropped while its results stayed) goes first.
-- Views a reader built on a stale partition could hold up its drop: it fails after 2 s instead
-- (the function's lock_timeout, the caller's again when it returns).
CREATE OR REPLACE FUNCTION aepg.new_results(p_model text, p_version integer)
RETURNS regclass LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' AS $$
DECLARE
    results  regclass;
    part     text := aepg.object_name(p_model, 'results_' || p_version);
    stale    regclass;
BEGIN
    IF p_version IS NULL OR p_version < 1 THEN
        RAISE EXCEPTION 'a version of an aepg model is a number from 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    results := aepg.prepare_results(p_model);
    FOR stale IN SELECT r.part FROM aepg.results_partitions(results) r WHERE p_version = ANY (r.versions) LOOP
        PERFORM aepg.drop_with_views('TABLE', stale::text, format('version %s of aepg model "%s" cannot be written', p_version, p_model));
    END LOOP;
    PERFORM aepg.drop_with_views('TABLE', part, format('version %s of aepg model "%s" cannot be written', p_version, p_model));
    -- The check lets ATTACH PARTITION skip scanning the rows for their version.
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS, CONSTRAINT loaded_version CHECK (version = %s))',
                   part, results, p_version);
    RETURN part::regclass;
END
$$;
COMMENT ON FUNCTION aepg.new_results(text, integer) IS 'creates the table a new version''s results are loaded into';

-- Indexes a loaded results table and makes it the partition of its version. Attaching locks the
-- results table against other attaches and vacuum only: readers of the views and the realtime
-- trigger's writes go on.
CREATE OR REPLACE FUNCTION aepg.attach_results(p_model text, p_version integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    results  text := aepg.object_name(p_model, 'results');
    part     text := aepg.object_name(p_model, 'results_' || p_version);
    key_name text := (aepg.model_row(p_model)).key_column;
BEGIN
    EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (version, %I)', part, key_name);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%s)', results, part, p_version);
    -- The partition's bound says the same from now on.
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT loaded_version', part);
END
$$;
COMMENT ON FUNCTION aepg.attach_results(text, integer) IS 'indexes a new version''s loaded results and attaches them to the model''s results table';

-- Drops the results of every version but the given ones and the active one (the new version
-- and the one it replaced: an instant roll-back; the active one read under a share lock on the
-- model's row, so that a version activated meanwhile keeps its results). Dropping a partition
-- takes the results table's exclusive lock, and the locks of the views built on it: each is
-- taken only if nobody holds it (lock_timeout 1 ms), so neither this training nor any reader
-- waits. A partition that cannot go (a report reads it, or something beyond views is built on
-- it) is emptied if it can be (TRUNCATE takes its own lock alone, and does not mind what is
-- built on it), and stays for a later training. Returns what stayed and why; NULL when all went.
-- (Its lock_timeout, set here and changed below, is the caller's again when it returns.)
CREATE OR REPLACE FUNCTION aepg.drop_old_results(p_model text, p_keep integer[])
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '1s' AS $$
DECLARE
    results   regclass := to_regclass(aepg.object_name(p_model, 'results'));
    keep      integer[];
    old       record;
    stayed    text[] := '{}';
BEGIN
    BEGIN
        SELECT p_keep || m.active_version INTO keep FROM aepg.models m WHERE m.name = p_model FOR SHARE;
    EXCEPTION WHEN lock_not_available THEN
        RETURN format('the results of older versions of aepg model "%s" stay until a later training: its catalog row is locked', p_model);
    END;
    IF results IS NULL OR keep IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('lock_timeout', '1ms', true);
    FOR old IN SELECT r.part, r.versions FROM aepg.results_partitions(results) r WHERE NOT r.versions && keep ORDER BY r.versions LOOP
        BEGIN
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', results);
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', old.part);
            PERFORM aepg.drop_with_views('TABLE', old.part::text, 'it cannot be dropped');
        EXCEPTION WHEN lock_not_available OR dependent_objects_still_exist THEN
            stayed := stayed || format('version %s: %s', array_to_string(old.versions, ', '), SQLERRM);
            BEGIN
                EXECUTE format('TRUNCATE %s', old.part);
            EXCEPTION WHEN lock_not_available THEN
                NULL;
            END;
        END;
    END LOOP;
    RETURN CASE WHEN stayed <> '{}' THEN
        format('the results of older versions of aepg model "%s" stay until a later training: %s', p_model, array_to_string(stayed, '; '))
    END;
END
$$;
COMMENT ON FUNCTION aepg.drop_old_results(text, integer[]) IS 'drops the results of an aepg model''s versions but the given ones and the active one, when that waits for nobody';

-- A model's views over its active version: flags, clusters (with the confidence) and cluster
-- profile. On PostgreSQL 15 and later they run with the reader's rights (security_invoker), so
-- the reader's grants and row-level security on the source apply; on older servers they run with
-- the owner's, so grant a view only to roles that may read its source.
-- A source column whose name the view adds itself (score, flagged, cluster) shows as
-- source_<name>; a source too wide for one view shows its key and features only.
CREATE OR REPLACE FUNCTION aepg.refresh_views(p_model text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m          aepg.models;
    features   text[];
    results    text := aepg.object_name(p_model, 'results');
    active     text;
    columns    text;
    means      text;
    invoker    text := CASE WHEN current_setting('server_version_num')::int >= 150000
                            THEN ' WITH (security_invoker = true)' ELSE '' END;
    flags      text;
    clusters   text;
    profile    text;
    shown      record;
    unchanged  boolean;
BEGIN
    m := aepg.model_row(p_model);
    SELECT v.features INTO features FROM aepg.versions v
     WHERE v.model = p_model AND v.version = m.active_version;

    active := format('JOIN aepg.models m ON m.name = %L AND r.version = m.active_version
         JOIN aepg.versions v ON v.model = m.name AND v.version = m.active_version', p_model);

    -- A view has at most 1,600 columns: the source's, then score, flagged and cluster.
    SELECT string_agg(CASE WHEN a.attname IN ('score', 'flagged', 'cluster')
                           THEN format('s.%I AS %I', a.attname, 'source_' || a.attname)
                           ELSE format('s.%I', a.attname) END, ', ' ORDER BY a.attnum)
      INTO columns
      FROM pg_attribute a
     WHERE a.attrelid = m.source AND a.attnum > 0 AND NOT a.attisdropped
       AND ((SELECT count(*) FROM pg_attribute w WHERE w.attrelid = m.source AND w.attnum > 0 AND NOT w.attisdropped) <= 1597
            OR a.attname = m.key_column OR a.attname = ANY (features[1:1596]));
    flags := format(
        'SELECT %s, r.score, r.score > v.threshold AS flagged, r.cluster
           FROM %s s
           JOIN %s r ON r.%I = s.%I
           %s',
        columns, m.source, results, m.key_column, m.key_column, active);

    clusters := format(
        'SELECT r.%I, r.cluster, r.distance, r.confidence, r.latent
           FROM %s r
           %s',
        m.key_column, results, active);

    -- Numeric features only (text features have no mean), at most 1,595 of them; names are
    -- mean_<feature>, cut to fit PostgreSQL's 63 bytes and numbered where two would meet.
    SELECT string_agg(format('avg(s.%I::double precision) AS %I', f,
                             CASE WHEN same = 1 AND name NOT IN ('mean_score', 'mean_confidence') THEN name
                                  ELSE left(name, 58) || '_' || same END), E',\n                ' ORDER BY o)
      INTO means
      FROM (SELECT t.f, t.o, left('mean_' || t.f, 63) AS name,
                   row_number() OVER (PARTITION BY left('mean_' || t.f, 63) ORDER BY t.o) AS same
              FROM unnest(features[1:1595]) WITH ORDINALITY AS t(f, o)
              JOIN pg_attribute a ON a.attrelid = m.source AND a.attname = t.f
             WHERE aepg.is_numeric_type(a.atttypid)) AS named;
    profile := format(
        'SELECT r.cluster,
                count(*) AS rows,
                avg(r.score) AS mean_score,
                avg((r.score > v.threshold)::int)::double precision AS share_flagged,
                avg(r.confidence)::double precision AS mean_confidence%s
           FROM %s r
           JOIN %s s ON s.%I = r.%I
           %s
          GROUP BY r.cluster
          ORDER BY r.cluster',
        CASE WHEN means IS NULL THEN '' ELSE E',\n                ' || means END,
        results, m.source, m.key_column, m.key_column, active);

    -- Replaced in place, so that views others built on them keep working; dropped and made again
    -- only when their columns change (a source column or a feature came or went).
    FOR shown IN SELECT aepg.object_name(p_model, v.suffix) AS name, v.query, v.description
                  FROM (VALUES (1, 'flags', flags,
                                'every scored row of ' || m.source::text || ' with its anomaly score, flag and cluster (active version)'),
                               (2, 'clusters', clusters,
                                'cluster label, distance to its centroid, soft-assignment confidence (DEC or the neighbour embedding) and latent vector of every scored row (active version)'),
                               (3, 'cluster_profile', profile,
                                'per cluster: rows, mean score, share flagged, mean confidence and feature means (active version)'))
                       AS v(ord, suffix, query, description)
                 ORDER BY v.ord LOOP
        -- A view that would stay as it is is left alone: replacing it takes an exclusive lock,
        -- which waits for every open transaction that read it (a long report) and holds up
        -- every reader that comes after. Its query follows the active version by itself.
        IF to_regclass(shown.name) IS NOT NULL THEN
            EXECUTE format('CREATE TEMPORARY VIEW aepg_candidate%s AS %s', invoker, shown.query);
            unchanged := (SELECT pg_get_viewdef(c.oid) = pg_get_viewdef(shown.name::regclass)
                                 AND c.reloptions IS NOT DISTINCT FROM (SELECT o.reloptions FROM pg_class o WHERE o.oid = shown.name::regclass)
                            FROM pg_class c WHERE c.oid = 'pg_temp.aepg_candidate'::regclass);
            DROP VIEW pg_temp.aepg_candidate;
            IF unchanged AND obj_description(shown.name::regclass, 'pg_class') IS NOT DISTINCT FROM shown.description THEN
                CONTINUE;
            END IF;
        END IF;
        BEGIN
            EXECUTE format('CREATE OR REPLACE VIEW %s%s AS %s', shown.name, invoker, shown.query);
        EXCEPTION WHEN invalid_table_definition THEN
            -- Its columns change: views built on it go (they could not show the new columns),
            -- anything else built on it keeps the view and fails the refresh, naming it.
            PERFORM aepg.drop_with_views('VIEW', shown.name, format('the columns of %s change with this version', shown.name));
            EXECUTE format('CREATE VIEW %s%s AS %s', shown.name, invoker, shown.query);
        END;
        EXECUTE format('COMMENT ON VIEW %s IS %L', shown.name, shown.description);
    END LOOP;
END
$$;
COMMENT ON FUNCTION aepg.refresh_views(text) IS 'recreates the flags, clusters and cluster_profile views of an aepg model';

-- Whether a version of a model has rows in its results table.
CREATE OR REPLACE FUNCTION aepg.has_results(p_model text, p_version integer)
RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found boolean;
BEGIN
    IF to_regclass(aepg.object_name(p_model, 'results')) IS NULL THEN RETURN false; END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE version = $1)', aepg.object_name(p_model, 'results'))
       INTO found USING p_version;
    RETURN found;
END
$$;

-- Makes a trained version the active one; the views follow at once.
CREATE OR REPLACE FUNCTION aepg.activate(p_model text, p_version integer)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM aepg.versions WHERE model = p_model AND version = p_version) THEN
        RAISE EXCEPTION 'aepg model "%" has no version %', p_model, p_version USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT aepg.has_results(p_model, p_version) THEN
        RAISE EXCEPTION 'version % of aepg model "%" has no results left (only the active and the previous version keep theirs)',
              p_version, p_model
              USING ERRCODE = 'object_not_in_prerequisite_state',
                    HINT = format('activate it and rescore: aepg train %s, or score it again after activating with aepg score %s --all', p_model, p_model);
    END IF;
    UPDATE aepg.models SET active_version = p_version, updated_at = now() WHERE name = p_model;  -- its views follow (a trigger)
END
$$;
COMMENT ON FUNCTION aepg.activate(text, integer) IS 'makes a trained version of an aepg model the active one';

-- A dropped model's views and results table go with its catalog row, however it was deleted,
-- with the views others built on them (a view of someone's must not keep a model from being
-- dropped), but not anything else built on them (a policy, a materialized view, a function: the
-- drop fails instead, naming them); its queued and running jobs fail, so that none runs on a
-- model that later takes its name.
-- A trigger, not a function operators call: only a DELETE that passed aepg.check_model_change
-- reaches it. (Schema 0.7.0 dropped aepg.drop_model_objects(text), which let any operator drop
-- any model's results.)
DROP FUNCTION IF EXISTS aepg.drop_model_objects(text);

-- What depends on a relation, directly or through views over it, other than plain views: NULL
-- when only views do (dropping it with CASCADE then drops nothing but views). A policy, a
-- materialized view, a function or a column built on a model's results must not vanish with them,
-- nor a rule on a view over them (a view is its _RETURN rule; any other rule is beyond it).
CREATE OR REPLACE FUNCTION aepg.dependents_beyond_views(p_relation regclass)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE relation(oid) AS (
        -- a partitioned table's partitions are dropped with it, and so is what is built on them
        SELECT unnest(ARRAY[p_relation::oid] || ARRAY(SELECT t.relid::oid FROM pg_partition_tree(p_relation) t))
        UNION
        SELECT r.ev_class
          FROM relation
          JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = relation.oid
                          AND d.classid = 'pg_rewrite'::regclass AND d.deptype = 'n'
          JOIN pg_rewrite r ON r.oid = d.objid AND r.rulename = '_RETURN'
          JOIN pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'
         WHERE r.ev_class <> relation.oid
    )
    SELECT string_agg(DISTINCT what, ', ')
      FROM (SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS what
              FROM relation
              JOIN pg_class c ON c.oid = relation.oid
              JOIN pg_type t ON t.oid = c.reltype
              JOIN pg_depend d ON d.deptype = 'n'
                              AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid = relation.oid)
                                   OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN (t.oid, t.typarray)))
             WHERE NOT (d.classid = 'pg_rewrite'::regclass
                        AND EXISTS (SELECT 1 FROM pg_rewrite r JOIN pg_class v ON v.oid = r.ev_class
                                     WHERE r.oid = d.objid AND r.rulename = '_RETURN' AND v.relkind = 'v'))
            UNION ALL
            -- A view that is a member of an extension would take the whole extension with it.
            SELECT pg_describe_object(e.refclassid, e.refobjid, 0)
              FROM relation
              JOIN pg_depend e ON e.classid = 'pg_class'::regclass AND e.objid = relation.oid AND e.deptype = 'e') AS found
$$;

-- Drops a per-model relation (a view or a results table) with the views built on it, as the
-- schema's owner: locked first, so that nothing is built on it between the check and the drop,
-- then refused, naming them, when anything but plain views depends on it.
CREATE OR REPLACE FUNCTION aepg.drop_with_views(p_kind text, p_relation text, p_refusal text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    beyond  text;
BEGIN
    IF to_regclass(p_relation) IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', p_relation);
    beyond := aepg.dependents_beyond_views(p_relation::regclass);
    IF beyond IS NOT NULL THEN
        RAISE EXCEPTION '%: % depend(s) on %', p_refusal, beyond, p_relation
              USING ERRCODE = 'dependent_objects_still_exist', HINT = 'drop those first (views over it go with it)';
    END IF;
    EXECUTE format('DROP %s %s CASCADE', CASE p_kind WHEN 'VIEW' THEN 'VIEW' ELSE 'TABLE' END, p_relation);
END
$$;
CREATE OR REPLACE FUNCTION aepg.drop_model_objects()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    object  record;
BEGIN
    FOR object IN SELECT o.kind, aepg.object_name(OLD.name, o.suffix) AS name
                    FROM (VALUES (1, 'VIEW', 'flags'), (2, 'VIEW', 'clusters'), (3, 'VIEW', 'cluster_profile'),
                                 (4, 'TABLE', 'results')) AS o(ord, kind, suffix)
                   ORDER BY o.ord LOOP
        PERFORM aepg.drop_with_views(object.kind, object.name, format('aepg model "%s" cannot be dropped', OLD.name));
    END LOOP;
    UPDATE aepg.jobs SET status = 'failed', finished_at = now(), error = 'the model was dropped'
     WHERE model = OLD.name AND status IN ('queued', 'running');
    -- Its realtime notes stay for aepg.take_pending to purge: deleting them here would read the
    -- notes, and in a serializable transaction tie it to every serializable writer noting one.
    RETURN OLD;
END
$$;
DO $$
BEGIN
    DROP TRIGGER IF EXISTS drop_model_objects ON aepg.models;
    CREATE TRIGGER drop_model_objects AFTER DELETE ON aepg.models
        FOR EACH ROW EXECUTE FUNCTION aepg.drop_model_objects();
END
$$;

-- A model's views follow its active version, however it changes (aepg.activate, a publication,
-- a direct UPDATE that passed aepg.check_model_change). A trigger, so operators need no right to
-- rebuild views themselves (aepg.refresh_views takes locks on any model's views).
CREATE OR REPLACE FUNCTION aepg.follow_active_version()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM aepg.refresh_views(NEW.name);
    RETURN NULL;
END
$$;
DO $$
BEGIN
    DROP TRIGGER IF EXISTS follow_active_version ON aepg.models;
    CREATE TRIGGER follow_active_version AFTER UPDATE OF active_version ON aepg.models
        FOR EACH ROW WHEN (NEW.active_version IS NOT NULL AND NEW.active_version IS DISTINCT FROM OLD.active_version)
        EXECUTE FUNCTION aepg.follow_active_version();
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Managing and scoring models from SQL (no worker needed to score).

-- An activation function applied to one value, as the worker applies it (Sources/Learn/Network/Activation.swift).
-- What is too small for a 32-bit float is 0, as in the worker: the next layer's products then
-- cannot underflow (an error in PostgreSQL).
CREATE OR REPLACE FUNCTION aepg.activate_value(p_activation text, x double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(y) < 1.1754943508222875e-38 THEN 0 ELSE y END
      FROM (SELECT CASE p_activation
                WHEN 'linear'  THEN x
                WHEN 'relu'    THEN greatest(x, 0)
                WHEN 'relu6'   THEN least(greatest(x, 0), 6)
                WHEN 'elu'     THEN CASE WHEN x < 0 THEN exp(greatest(x, -700)) - 1 ELSE x END
                WHEN 'selu'    THEN 1.0507009873554805 * CASE WHEN x > 0 THEN x ELSE 1.6732632423543772 * (exp(greatest(x, -700)) - 1) END
                WHEN 'sigmoid' THEN 1 / (1 + exp(least(greatest(-x, -700), 700)))
                WHEN 'tanh'    THEN tanh(x)
            END AS y) AS activated
$$;
COMMENT ON FUNCTION aepg.activate_value(text, double precision) IS 'an aepg activation function applied to one value';

-- A vector as the worker holds it, in 32-bit floats: what is too small for them is 0, what is too
-- large is infinite (a plain cast would raise an error instead).
CREATE OR REPLACE FUNCTION aepg.as_real(p_values double precision[])
RETURNS real[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(CASE WHEN abs(v) < 1.1754943508222875e-38 THEN 0
                          WHEN v > 3.4028234663852886e38 THEN 'Infinity'
                          WHEN v < -3.4028234663852886e38 THEN '-Infinity'
                          ELSE v END::real ORDER BY o)
      FROM unnest(p_values) WITH ORDINALITY AS t(v, o)
$$;

-- One dense layer, y = activation(x · W + b), W inputs x outputs row-major, as the worker computes it.
CREATE OR REPLACE FUNCTION aepg.apply_layer(p_weights real[], p_bias real[], p_activation text, x double precision[])
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
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

-- x squared without PostgreSQL's overflow and underflow errors: 0 below 1e-150, capped at 1e150 squared.
CREATE OR REPLACE FUNCTION aepg.square(x double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(x) < 1e-150 THEN 0 ELSE least(abs(x), 1e150) ^ 2 END
$$;

-- One network of a version (an ensemble member, or the only network) applied to scaled inputs:
-- each input's error, the row's score (their mean, plus beta * KL / inputs for an ELBO score),
-- and the latent vector (a variational encoder's mean).
CREATE OR REPLACE FUNCTION aepg.reconstruct(p_model text, p_version integer, p_member integer, p_input double precision[],
                                            p_by_mae boolean, p_kl_weight double precision,
                                            OUT errors double precision[], OUT score double precision, OUT latent real[])
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    x      double precision[] := p_input;
    n      integer := array_length(p_input, 1);
    stats  double precision[];
    layer  record;
    l      integer;
BEGIN
    FOR layer IN SELECT * FROM aepg.layers
                  WHERE model = p_model AND version = p_version AND member = p_member AND role <> 'cluster_encoder'
                  ORDER BY layer LOOP
        -- A variational encoder outputs mean and log-variance; the decoder reads the mean.
        IF array_length(x, 1) > layer.inputs THEN stats := x; x := x[1:layer.inputs]; latent := aepg.as_real(x); END IF;
        x := aepg.apply_layer(layer.weights, layer.bias, layer.activation, x);
        IF layer.role = 'encoder' THEN latent := aepg.as_real(x); END IF;
    END LOOP;
    -- PostgreSQL raises an error where a float8 result overflows or underflows, so differences are
    -- squared only between 1e-150 (below: 0) and 1e150, and exp takes -700 to 700.
    SELECT array_agg(CASE WHEN p_by_mae THEN abs(x[i] - p_input[i]) ELSE aepg.square(x[i] - p_input[i]) END ORDER BY i)
      INTO errors FROM generate_series(1, n) AS i;
    SELECT avg(e) INTO score FROM unnest(errors) AS e;
    -- KL(q(z|x) || N(0, I)) from the means and log-variances, each log-variance clamped to ±20 as
    -- the worker clamps it (Network.logVarianceLimit).
    IF p_kl_weight IS NOT NULL THEN
        l := array_length(stats, 1) / 2;
        score := score + p_kl_weight / n
                 * (SELECT sum(-0.5 * (1 + v - aepg.square(stats[j]) - exp(v)))
                      FROM generate_series(1, l) AS j, LATERAL (SELECT greatest(least(stats[l + j], 20), -20) AS v) AS clamped);
    END IF;
END
$$;
COMMENT ON FUNCTION aepg.reconstruct(text, integer, integer, double precision[], boolean, double precision) IS
    'one network of an aepg version applied to scaled inputs: per-input errors, score and latent vector';

-- In-SQL scoring follows the worker for every option that needs no text input: any scaler,
-- variational networks (the decoder reads the mean), ensembles (the weighted mean of the members'
-- robust z-scores; a feature's contribution is its error times each member's share over its scale,
-- summed), the encoder the clusters live in (DEC's, the neighbour embedding's), the MAE score. Models with categorical inputs, NULL
-- indicators or labelled anomalies (label_use select) are scored by the worker (aepg score).
CREATE OR REPLACE FUNCTION aepg.score(p_model text, p_features double precision[],
                                      OUT score double precision, OUT flagged boolean, OUT cluster integer,
                                      OUT latent real[], OUT top_features text[], OUT distance real)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v         aepg.versions;
    n         integer;
    x         double precision[];
    errors    double precision[];
    layer     record;
    member    record;
    part      record;
    best      double precision;
    d         double precision;
    center    jsonb;
    fill      jsonb;
    by_mae    boolean;
    member_count   integer;
    member_z       double precision[];
    member_weight  double precision[];
    member_scale   double precision[];
    member_errors  double precision[] := '{}';  -- members x features
    kept           integer;
    counted        integer[];
    total          double precision;
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
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(v.members, '[]')) AS e WHERE e ? 'known_anomalies') THEN
        RAISE EXCEPTION 'aepg model "%" uses labelled anomalies (label_use select), which only the worker scores', p_model
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
        -- The worker reads features as 32-bit floats: beyond their range a value is as unusable as NaN.
        IF p_features[i] = 'NaN'::float8 OR abs(p_features[i]) > 3.4028234663852886e38 THEN
            RAISE EXCEPTION 'feature "%" is %, which aepg cannot score (NaN, infinite or beyond 32-bit floats)', v.features[i], p_features[i]
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        x[i] := coalesce((p_features[i] - (center->>(i - 1))::float8) / (v.preprocessing->'scale'->>(i - 1))::float8,
                         (fill->>(i - 1))::float8, 0);
        -- A heavy-tailed column (robust scaling) is compressed, as in the worker (FeatureScaler).
        IF (v.preprocessing->'compressed'->>(i - 1))::boolean THEN
            x[i] := asinh(x[i]);
        END IF;
    END LOOP;
    IF v.members IS NULL THEN
        SELECT r.errors, r.score, r.latent INTO errors, score, latent
          FROM aepg.reconstruct(p_model, v.version, 0, x, by_mae,
                                CASE WHEN v.options->>'score' = 'elbo' THEN (v.options->>'beta')::float8 END) AS r;
    ELSE
        -- Each member's robust z-score and errors; then the mean of all of them, or of the row's
        -- highest half (combine = top-half; versions from before the option used the mean), each
        -- weighted by its share of the counted members' weights, in member order (EnsembleScorer).
        member_count := 0;
        FOR member IN SELECT (t.o - 1)::int AS index, (t.e->>'kl_weight')::float8 AS kl_weight,
                             (t.e->>'center')::float8 AS center, (t.e->>'scale')::float8 AS scale,
                             coalesce((t.e->>'weight')::float8, 1) AS weight
                        FROM jsonb_array_elements(v.members) WITH ORDINALITY AS t(e, o) ORDER BY t.o LOOP
            SELECT * INTO part FROM aepg.reconstruct(p_model, v.version, member.index, x, by_mae, member.kl_weight);
            member_count := member_count + 1;
            member_z[member_count] := (part.score - member.center) / member.scale;
            member_weight[member_count] := member.weight;
            member_scale[member_count] := member.scale;
            member_errors := member_errors || ARRAY[part.errors];
            IF member.index = 0 THEN latent := part.latent; END IF;
        END LOOP;
        kept := CASE WHEN coalesce(v.options->>'combine', 'mean') = 'top-half' THEN (member_count + 1) / 2 ELSE member_count END;
        counted := ARRAY(SELECT m FROM generate_series(1, member_count) AS m ORDER BY member_z[m] DESC, m LIMIT kept);
        total := (SELECT sum(member_weight[m]) FROM unnest(counted) AS m);
        score := 0;
        errors := array_fill(0::float8, ARRAY[n]);
        FOR m IN 1..member_count LOOP
            CONTINUE WHEN NOT m = ANY (counted);
            score := score + member_z[m] * (member_weight[m] / total);
            errors := ARRAY(SELECT errors[i] + member_errors[m][i] * (member_weight[m] / total / member_scale[m])
                              FROM generate_series(1, n) AS i ORDER BY i);
        END LOOP;
    END IF;
    flagged := score > v.threshold;
    SELECT array_agg(v.features[i] ORDER BY errors[i] DESC, i) INTO top_features
      FROM (SELECT i FROM generate_series(1, n) AS i ORDER BY errors[i] DESC, i LIMIT 3) AS t;
    -- DEC or the neighbour embedding: the clusters live in the fine-tuned encoder's latent space.
    IF EXISTS (SELECT 1 FROM aepg.layers WHERE model = p_model AND version = v.version AND role = 'cluster_encoder') THEN
        FOR layer IN SELECT * FROM aepg.layers WHERE model = p_model AND version = v.version AND role = 'cluster_encoder'
                      ORDER BY layer LOOP
            x := aepg.apply_layer(layer.weights, layer.bias, layer.activation, x);
        END LOOP;
        latent := aepg.as_real(x[1:array_length(v.centroids, 2)]);
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
COMMENT ON FUNCTION aepg.score(text, double precision[]) IS
    'scores one feature vector (in the model''s feature order) with the active version, in SQL: score, flagged, cluster, latent, top features, distance';

-- The same, for a row given as jsonb (e.g. to_jsonb(t) of a source row); features are taken by
-- name, an array column's elements from its JSON array.
CREATE OR REPLACE FUNCTION aepg.score_row(p_model text, p_row jsonb,
                                          OUT score double precision, OUT flagged boolean, OUT cluster integer,
                                          OUT latent real[], OUT top_features text[], OUT distance real)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    features text[];
    encoding jsonb;
BEGIN
    IF jsonb_typeof(p_row) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'aepg.score_row takes a row as a JSON object (to_jsonb(t)), not %', coalesce(jsonb_typeof(p_row), 'NULL')
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT v.features, v.preprocessing->'encoding' INTO features, encoding
      FROM aepg.models m JOIN aepg.versions v ON v.model = m.name AND v.version = m.active_version
     WHERE m.name = p_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aepg model "%" does not exist or has no trained version', p_model USING ERRCODE = 'undefined_object';
    END IF;
    SELECT * INTO score, flagged, cluster, latent, top_features, distance
      FROM aepg.score(p_model, ARRAY(
           SELECT e.x
             FROM aepg.feature_columns(features, encoding) WITH ORDINALITY AS c(name, length, is_array, o),
                  unnest(CASE WHEN c.is_array THEN aepg.array_inputs(aepg.json_numbers(p_row->c.name, c.name), c.name, c.length)
                              ELSE ARRAY[(p_row->>c.name)::float8] END) WITH ORDINALITY AS e(x, i)
            ORDER BY c.o, e.i));
END
$$;
COMMENT ON FUNCTION aepg.score_row(text, jsonb) IS 'scores one row given as jsonb (features by name, arrays as JSON arrays) with the active version, in SQL';

-- create_model: text features are allowed when the options name a categorical encoding, and
-- option keys are checked, so a misspelt option is an error instead of a silent default.
CREATE OR REPLACE FUNCTION aepg.create_model(name text, source regclass, key text, features text[] DEFAULT NULL,
                                             exclude text[] DEFAULT NULL, label text DEFAULT NULL,
                                             options jsonb DEFAULT '{}')
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col      text;
    kind     text;
    unknown  text;
BEGIN
    IF NOT has_table_privilege(source, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied: you cannot read %, so you cannot define a model on it', source
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO unknown FROM jsonb_object_keys(coalesce(options, '{}')) AS k
     WHERE NOT EXISTS (SELECT 1 FROM aepg.option_keys o WHERE o.key = k);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown option(s): %', unknown
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'options are: ' || (SELECT string_agg(o.key, ', ' ORDER BY o.key) FROM aepg.option_keys o);
    END IF;
    IF (SELECT count(*) <> count(DISTINCT f) FROM unnest(features) AS f) THEN
        RAISE EXCEPTION 'features name a column twice: %', array_to_string(features, ', ') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF label = ANY (features) OR key = ANY (features) THEN
        RAISE EXCEPTION 'column "%" cannot be both a feature and the %', CASE WHEN key = ANY (features) THEN key ELSE label END,
              CASE WHEN key = ANY (features) THEN 'key' ELSE 'label' END
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH col IN ARRAY ARRAY[key, label] || coalesce(features, '{}') || coalesce(exclude, '{}') LOOP
        CONTINUE WHEN col IS NULL;
        IF aepg.column_type(source, col) IS NULL THEN
            RAISE EXCEPTION 'table % has no column "%"', source, col USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    FOREACH col IN ARRAY CASE WHEN options ? 'categorical' THEN '{}'::text[] ELSE coalesce(features, '{}') END LOOP
        SELECT format_type(a.atttypid, a.atttypmod) INTO kind FROM pg_attribute a
         WHERE a.attrelid = source AND a.attname = col
           AND NOT aepg.is_numeric_type(a.atttypid) AND NOT aepg.is_numeric_array_type(a.atttypid);
        IF kind IS NOT NULL THEN
            RAISE EXCEPTION 'feature column "%" of % has type %; features must be numbers or arrays of numbers', col, source, kind
                  USING ERRCODE = 'datatype_mismatch', HINT = 'set the option "categorical" to onehot or label to encode text columns';
        END IF;
    END LOOP;
    INSERT INTO aepg.models AS m (name, source, key_column, features, exclude, label_column, options)
    VALUES (create_model.name, source, key, features, coalesce(exclude, '{}'), label, coalesce(options, '{}'))
    ON CONFLICT ON CONSTRAINT models_pkey DO UPDATE
       SET source = EXCLUDED.source, key_column = EXCLUDED.key_column, features = EXCLUDED.features,
           exclude = EXCLUDED.exclude, label_column = EXCLUDED.label_column, options = EXCLUDED.options,
           updated_at = now();
EXCEPTION WHEN check_violation OR not_null_violation THEN
    RAISE EXCEPTION 'model name "%" is not allowed', name
          USING ERRCODE = 'invalid_name',
                HINT = 'use 1 to 40 lowercase letters, digits or underscores, starting with a letter or underscore';
END
$$;
COMMENT ON FUNCTION aepg.create_model(text, regclass, text, text[], text[], text, jsonb) IS
    'defines or redefines an aepg model; train it with aepg train NAME';

-- Drops a model with its versions, layers, results and views.
CREATE OR REPLACE FUNCTION aepg.drop_model(name text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    source  regclass;
BEGIN
    -- The delete goes first: its triggers check that the caller may drop the model, and drop the
    -- model's views and results table.
    DELETE FROM aepg.models m WHERE m.name = drop_model.name RETURNING m.source INTO source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aepg model "%" does not exist', name USING ERRCODE = 'undefined_object';
    END IF;
    -- The realtime trigger goes too when the caller may drop it; one left behind does nothing,
    -- as it only scores for a model of the same name on the same table with realtime on.
    BEGIN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = source AND t.tgname = 'aepg_realtime_' || name) THEN
            EXECUTE format('DROP TRIGGER %I ON %s', 'aepg_realtime_' || name, source);
        END IF;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'the realtime trigger of "%" stays on its table (its owner can drop it); it no longer scores', name;
    END;
END
$$;
COMMENT ON FUNCTION aepg.drop_model(text) IS 'drops an aepg model with its versions, results and views';

-- Models with their active version's quality, and every version.
CREATE OR REPLACE VIEW aepg.model_list AS
SELECT m.name, m.source, m.key_column, m.label_column, m.active_version, v.trained_at, v.training_rows,
       v.threshold_rule, v.threshold, (v.metrics->>'roc_auc')::float8 AS roc_auc, (v.metrics->>'pr_auc')::float8 AS pr_auc,
       m.realtime, (SELECT count(*) FROM aepg.realtime_failures f WHERE f.model = m.name) AS realtime_failures
  FROM aepg.models m
  LEFT JOIN aepg.versions v ON v.model = m.name AND v.version = m.active_version;
COMMENT ON VIEW aepg.model_list IS 'aepg models with their active version, its quality, and the rows realtime scoring left unscored';

CREATE OR REPLACE VIEW aepg.version_list AS
SELECT v.model, v.version, v.version = m.active_version AS active, v.trained_at, v.training_rows, v.scored_rows,
       v.threshold_rule, v.threshold, (v.metrics->>'roc_auc')::float8 AS roc_auc, (v.metrics->>'pr_auc')::float8 AS pr_auc,
       v.seconds, jsonb_array_length(v.loss_history) AS epochs
  FROM aepg.versions v JOIN aepg.models m ON m.name = v.model;
COMMENT ON VIEW aepg.version_list IS 'every trained version of every aepg model';

-- Realtime scoring: a trigger on the source table scores every inserted or updated row into the
-- model's results table at once (active version).
--
-- It runs as aepg's owner (to write the results table, which writers of the source need no
-- rights on), so it runs no code of anyone else's: it scores only for the model's own source
-- with realtime on (a trigger put on another table, or left behind, does nothing); it reads the
-- key and the features only from columns of built-in types (their casts and I/O functions are
-- PostgreSQL's); and scoring is aepg's own arithmetic. It never rejects the user's write: a row
-- it cannot score is left unscored, with the reason in aepg.realtime_failures.
CREATE OR REPLACE FUNCTION aepg.realtime_trigger()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    -- A key's text (in notes) does not depend on the writer's settings, so the note a row got
    -- under one writer's settings is cleared when it is scored under another's.
    SET extra_float_digits = 3 SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET TimeZone = 'UTC'
    SET bytea_output = 'hex'
AS $$
DECLARE
    m         record;   -- not aepg.models: compiling must not wait for a lock on the catalog
    features  text[];
    encoding  jsonb;
    key_text  text;
    key_type  text;
    reading   text;
    readable  integer;
    inputs    double precision[];
    s         record;
    problem   text;
    patience  text := current_setting('lock_timeout');
    ours      boolean := false;  -- the row is of this model's source, with realtime on: a failure is noted
BEGIN
    -- A statement_timeout caught in an earlier statement of the transaction limited its lock
    -- waits (below): that statement is over, and the user's lock_timeout comes back.
    IF coalesce(current_setting('aepg.realtime_lock_timeout', true), '') <> ''
       AND current_setting('aepg.realtime_timed_out', true) IS DISTINCT FROM statement_timestamp()::text THEN
        PERFORM set_config('lock_timeout', current_setting('aepg.realtime_lock_timeout'), true);
        PERFORM set_config('aepg.realtime_lock_timeout', '', true);
        patience := current_setting('lock_timeout');
    END IF;
    -- A serializable transaction is left alone: the predicate locks of reading aepg's catalog
    -- and writing its results would tie unrelated writers together, and a conflict found there
    -- fails the user's COMMIT, where no handler here can catch it. Its rows wait for aepg score:
    -- the key of every row written (updated, or inserted under a key that may have had a result
    -- before) is noted in aepg.realtime_pending (appended, nothing read but PostgreSQL's own
    -- catalog, which takes no predicate lock). The key column is the trigger's second argument
    -- (triggers made before 0.8.0 have none); only a key of a built-in type is turned into text
    -- (no one's code runs as the owner), and aepg.take_pending keeps only the keys noted on the
    -- model's own source under its key column. The note waits 200 ms at most for a lock on
    -- aepg.realtime_pending; a statement_timeout striking in it cancels the statement, as it
    -- would without aepg (the note costs next to nothing; catching the timeout would leave the
    -- rest of the statement with none).
    IF current_setting('transaction_isolation') = 'serializable' THEN
        IF TG_NARGS >= 2 THEN
            PERFORM set_config('lock_timeout', '200ms', true);
            BEGIN
                IF EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = TG_RELID AND a.attname = TG_ARGV[1] AND a.attnum > 0
                                                      AND NOT a.attisdropped AND a.atttypid < 16384) THEN
                    EXECUTE format('SELECT ($1).%I::pg_catalog.text', TG_ARGV[1]) INTO key_text USING NEW;
                    IF key_text IS NOT NULL THEN
                        INSERT INTO aepg.realtime_pending (model, relid, key_column, key) VALUES (TG_ARGV[0], TG_RELID, TG_ARGV[1], key_text);
                    END IF;
                END IF;
            EXCEPTION WHEN OTHERS THEN
                NULL;  -- the user's write stands; the row keeps its old score until a training
            END;
            PERFORM set_config('lock_timeout', patience, true);
        END IF;
        RETURN NULL;
    END IF;
    -- A statement_timeout that strikes in here keeps the write. It is told from other cancels
    -- (the user's still cancel) by PostgreSQL's message: only superusers set lc_messages, and no
    -- code of anyone else's runs here; under another language the statement times out as it
    -- would without aepg. The row is left for aepg score, and the statement's later rows are
    -- noted without being scored, to be quick (aepg.realtime_timed_out, set after the block,
    -- whose settings the exception undoes).
    BEGIN
        -- Someone holding a lock on aepg's tables delays the user's write by this much at most.
        PERFORM set_config('lock_timeout', '200ms', true);
        BEGIN
            -- Whether the model trains, in the same statement as its active version: the
            -- publication changes both in one commit, so the row is noted unless it goes into
            -- the new version.
            SELECT o.name, o.source, o.key_column, o.active_version, o.realtime,
                   EXISTS (SELECT FROM aepg.trainings t WHERE t.model = o.name) AS training
              INTO m FROM aepg.models o WHERE o.name = TG_ARGV[0];
            -- The source itself, or one of its partitions (a trigger on a partitioned table runs
            -- as a clone on each partition, which only the source's owner can attach).
            IF NOT FOUND OR NOT m.realtime OR m.active_version IS NULL
               OR (m.source <> TG_RELID AND NOT EXISTS (SELECT FROM pg_partition_ancestors(TG_RELID) p WHERE p.relid = m.source)) THEN
                PERFORM set_config('lock_timeout', patience, true);
                RETURN NULL;
            END IF;
            ours := true;
            -- The key, of a built-in type in the source and of the same type in the results table.
            SELECT format_type(a.atttypid, a.atttypmod) INTO key_type FROM pg_attribute a
             WHERE a.attrelid = TG_RELID AND a.attname = m.key_column AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid < 16384;
            IF key_type IS NULL THEN
                RAISE EXCEPTION 'the key column "%" is missing or not of a built-in type', m.key_column USING ERRCODE = 'datatype_mismatch';
            END IF;
            EXECUTE format('SELECT ($1).%I::pg_catalog.text', m.key_column) INTO key_text USING NEW;
            IF key_text IS NULL THEN
                RAISE EXCEPTION 'the key "%" is NULL', m.key_column USING ERRCODE = 'not_null_violation';
            END IF;
            IF NOT aepg.has_unique_key(m.source, m.key_column) THEN
                RAISE EXCEPTION 'the key column "%" has no unique index, so a row could take another row''s result', m.key_column
                      USING ERRCODE = 'invalid_table_definition';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_attribute a, pg_attribute r
                            WHERE a.attrelid = TG_RELID AND a.attname = m.key_column AND a.attnum > 0 AND NOT a.attisdropped
                              AND r.attrelid = aepg.object_name(m.name, 'results')::regclass AND r.attname = m.key_column
                              AND r.atttypid = a.atttypid) THEN
                RAISE EXCEPTION 'the key column "%" is typed unlike the results table''s; retrain the model', m.key_column
                      USING ERRCODE = 'datatype_mismatch';
            END IF;
            -- After a statement_timeout struck this statement (and was caught, below), it has no
            -- deadline left to keep: its later rows are noted, not scored, to be quick.
            IF current_setting('aepg.realtime_timed_out', true) = statement_timestamp()::text THEN
                RAISE EXCEPTION 'not scored: a statement_timeout struck earlier in the statement; aepg score % scores the row', m.name;
            END IF;
            SELECT v.features, v.preprocessing->'encoding' INTO features, encoding
              FROM aepg.versions v WHERE v.model = m.name AND v.version = m.active_version;
            -- Each column as float8[]: a scalar as a one-element array, an array column's elements in order.
            SELECT string_agg(CASE WHEN c.is_array
                                   THEN format('aepg.array_inputs(($1).%I::pg_catalog.float8[], %L, %s)', c.name, c.name, c.length)
                                   WHEN a.atttypid = 'pg_catalog.bool'::pg_catalog.regtype
                                   THEN format('ARRAY[($1).%I::pg_catalog.int4::pg_catalog.float8]', c.name)
                                   ELSE format('ARRAY[($1).%I::pg_catalog.float8]', c.name) END, ' || ' ORDER BY c.o),
                   count(*)
              INTO reading, readable
              FROM aepg.feature_columns(features, encoding) WITH ORDINALITY AS c(name, length, is_array, o)
              JOIN pg_attribute a ON a.attrelid = TG_RELID AND a.attname = c.name AND a.attnum > 0 AND NOT a.attisdropped
             WHERE CASE WHEN c.is_array THEN aepg.is_numeric_array_type(a.atttypid) ELSE aepg.is_numeric_type(a.atttypid) END;
            IF readable <> (SELECT count(*) FROM aepg.feature_columns(features, encoding)) THEN
                RAISE EXCEPTION 'a feature column of % is missing or not numeric (text features are encoded by the worker only)', TG_RELID::regclass
                      USING ERRCODE = 'feature_not_supported';
            END IF;
            EXECUTE format('SELECT %s', reading) INTO inputs USING NEW;
            s := aepg.score(m.name, inputs);
            EXECUTE format(
                'INSERT INTO %s (%I, version, latent, cluster, distance, score, top_features)
                 SELECT ($1).%I, $2, $3, $4, $5, $6, $7
                 ON CONFLICT (version, %I) DO UPDATE
                    SET latent = EXCLUDED.latent, cluster = EXCLUDED.cluster, distance = EXCLUDED.distance,
                        confidence = NULL, score = EXCLUDED.score, top_features = EXCLUDED.top_features',
                aepg.object_name(m.name, 'results'), m.key_column, m.key_column, m.key_column)
            USING NEW, m.active_version, s.latent, s.cluster, s.distance, s.score, s.top_features;  -- the key by value, not through text
            DELETE FROM aepg.realtime_failures f WHERE f.model = m.name AND f.key = key_text;
        EXCEPTION
            WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS problem = MESSAGE_TEXT;
        END;
        -- While the model trains, the row is noted too, scored or not: the new version has it as
        -- the training read it (aepg.trainings). So is every row a REPEATABLE READ transaction
        -- writes: its snapshot may predate a training's registration, and so show neither it nor
        -- the version it publishes. A note that cannot be written leaves the row as before 0.8.1,
        -- with an older score in the new version until aepg score --all.
        -- (`m` is read only once `ours` says it was: an unassigned record raises.)
        IF ours AND key_text IS NOT NULL THEN
            BEGIN
                IF m.training OR current_setting('transaction_isolation') = 'repeatable read' THEN
                    INSERT INTO aepg.realtime_pending (model, relid, key_column, key) VALUES (m.name, TG_RELID, m.key_column, key_text);
                END IF;
            EXCEPTION WHEN OTHERS THEN
                NULL;
            END;
        END IF;
        -- Only for the model's own source: a trigger someone put on another table must not write
        -- notes against the model (a row whose trigger could not even read the catalog is not
        -- noted; aepg score still scores it).
        IF problem IS NOT NULL AND ours THEN
            BEGIN
                INSERT INTO aepg.realtime_failures AS f (model, key, reason) VALUES (TG_ARGV[0], coalesce(key_text, ''), problem)
                ON CONFLICT (model, key) DO UPDATE SET reason = EXCLUDED.reason, failures = f.failures + 1, at = now();
            EXCEPTION WHEN OTHERS THEN
                NULL;  -- not even the note could be written: the user's write still stands
            END;
        END IF;
        PERFORM set_config('lock_timeout', patience, true);
    EXCEPTION WHEN query_canceled THEN
        GET STACKED DIAGNOSTICS problem = MESSAGE_TEXT;
        IF problem <> 'canceling statement due to statement timeout' THEN
            RAISE;
        END IF;
        PERFORM set_config('aepg.realtime_timed_out', statement_timestamp()::text, true);
        -- The timeout that struck is spent: the rest of the statement has none, and a lock wait
        -- in it would have no end. Lock waits get the timeout's length instead (a statement_timeout
        -- of 0 set meanwhile, inside a function, is none), and the user's lock_timeout comes back
        -- when this trigger next runs in a later statement of the transaction (or it ends).
        IF current_setting('statement_timeout') <> '0'
           AND (patience = '0' OR patience::interval > current_setting('statement_timeout')::interval) THEN
            PERFORM set_config('aepg.realtime_lock_timeout', patience, true);
            PERFORM set_config('lock_timeout', current_setting('statement_timeout'), true);
        END IF;
    END;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION aepg.realtime_trigger() IS 'trigger function behind aepg.enable_realtime';

-- Realtime scoring on or off: the trigger on the source (the caller needs the right to create
-- triggers on it) and the model's realtime flag, which the trigger checks.
CREATE OR REPLACE FUNCTION aepg.enable_realtime(p_model text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m aepg.models;
BEGIN
    m := aepg.model_row(p_model);
    IF NOT aepg.has_unique_key(m.source, m.key_column) THEN
        RAISE EXCEPTION 'realtime scoring of aepg model "%" needs a unique index on its key column "%" of %', p_model, m.key_column, m.source
              USING ERRCODE = 'invalid_table_definition',
                    HINT = format('without one, a writer could insert a row under another row''s key and overwrite its score: CREATE UNIQUE INDEX ON %s (%I)',
                                  m.source, m.key_column);
    END IF;
    PERFORM aepg.disable_realtime(p_model);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger(%L, %L)',
                   'aepg_realtime_' || p_model, m.source, p_model, m.key_column);
    UPDATE aepg.models SET realtime = true WHERE name = p_model;
END
$$;
COMMENT ON FUNCTION aepg.enable_realtime(text) IS 'scores every inserted or updated source row of an aepg model at once (a trigger)';

CREATE OR REPLACE FUNCTION aepg.disable_realtime(p_model text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m aepg.models;
BEGIN
    m := aepg.model_row(p_model);
    UPDATE aepg.models SET realtime = false WHERE name = p_model;
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'aepg_realtime_' || p_model, m.source);
END
$$;
COMMENT ON FUNCTION aepg.disable_realtime(text) IS 'removes the realtime scoring trigger of an aepg model';

-- Waits, p_patience at most, until the transactions writing to a model's source (or its
-- partitions) when it was called have ended, for a model with realtime scoring on; called by
-- `aepg train` once it has registered in aepg.trainings and before it reads. A writer's realtime
-- trigger that ran before the registration noted nothing; once the writer has ended, its rows
-- are in the training's read. Whoever writes a table holds a ROW EXCLUSIVE lock on it until its
-- transaction ends (a prepared one too), so those are the transactions waited for, and nobody
-- else's. Returns false when the time ran out: the rows of a writer left open may keep an older
-- score in the new version until aepg score --all.
CREATE OR REPLACE FUNCTION aepg.wait_for_writers(p_model text, p_patience interval)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source   regclass := (SELECT m.source FROM aepg.models m WHERE m.name = p_model AND m.realtime);
    here     oid := (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());
    ours     oid[];
    writers  text[];
    deadline timestamptz := clock_timestamp() + p_patience;
BEGIN
    IF source IS NULL THEN
        RETURN true;
    END IF;
    ours := ARRAY[source::oid] || ARRAY(SELECT tree.relid::oid FROM pg_partition_tree(source) tree);
    writers := ARRAY(SELECT DISTINCT l.virtualtransaction FROM pg_locks l
                      WHERE l.locktype = 'relation' AND l.database = here AND l.relation = ANY (ours)
                        AND l.mode = 'RowExclusiveLock' AND l.granted);
    WHILE EXISTS (SELECT FROM pg_locks l
                   WHERE l.locktype = 'relation' AND l.database = here AND l.relation = ANY (ours)
                     AND l.mode = 'RowExclusiveLock' AND l.virtualtransaction = ANY (writers)) LOOP
        IF clock_timestamp() >= deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION aepg.wait_for_writers(text, interval) IS 'waits for the writers open before a training registered (run by aepg train)';

-- Settles the notes a training's read saw: a row noted by a transaction that had committed when
-- the training took `p_read` (pg_current_snapshot(), before it read the source) was read as
-- written, so the version it publishes scores it as written and the note goes; notes made later
-- stay for aepg score. Run in the transaction that activates the new version, which it never
-- fails: the notes wait 200 ms at most for a lock (someone may hold one), and on that or any other
-- error (a training role without DELETE on the notes, a deadlock) they are left for aepg score,
-- with a warning. Does nothing in a serializable transaction, where reading the notes would tie
-- it to every serializable writer of a realtime source.
CREATE OR REPLACE FUNCTION aepg.settle_pending(p_model text, p_read pg_snapshot)
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET lock_timeout = '200ms'
AS $$
DECLARE
    settled integer := 0;
BEGIN
    IF current_setting('transaction_isolation') = 'serializable' THEN
        RETURN 0;
    END IF;
    BEGIN
        DELETE FROM aepg.realtime_pending p WHERE p.model = p_model AND pg_visible_in_snapshot(p.noted_in, p_read);
        GET DIAGNOSTICS settled = ROW_COUNT;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'the realtime notes of model % were left for aepg score: %', p_model, SQLERRM;
    END;
    RETURN settled;
END
$$;
COMMENT ON FUNCTION aepg.settle_pending(text, pg_snapshot) IS 'drops the realtime notes of rows a training read as written (run as it publishes)';

-- Clears the results of the rows of a model's source written in serializable transactions
-- (aepg.realtime_pending), so that the next read of unscored rows scores them again; returns how
-- many results went. Run by `aepg score` before it reads. Only keys noted on the model's source
-- (or its partitions) under its key column count; each is read back under the trigger's
-- settings, and one that is not a key of the key's type is passed over. Notes of models that
-- no longer exist go too.
CREATE OR REPLACE FUNCTION aepg.take_pending(p_model text)
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    SET extra_float_digits = 3 SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET TimeZone = 'UTC'
    SET bytea_output = 'hex'
AS $$
DECLARE
    m        aepg.models := aepg.model_row(p_model);
    results  regclass := to_regclass(aepg.object_name(p_model, 'results'));
    key_type text := aepg.column_type(results, m.key_column);
    ours     oid[];
    note     record;
    cleared  integer := 0;
    one      integer;
BEGIN
    IF current_setting('transaction_isolation') = 'serializable' THEN
        RAISE EXCEPTION 'aepg.take_pending does not run in a serializable transaction: reading aepg.realtime_pending there would tie it to every serializable writer of a realtime source'
              USING ERRCODE = 'active_sql_transaction';
    END IF;
    DELETE FROM aepg.realtime_pending p WHERE NOT EXISTS (SELECT FROM aepg.models o WHERE o.name = p.model);
    IF results IS NULL OR m.active_version IS NULL THEN
        DELETE FROM aepg.realtime_pending p WHERE p.model = p_model;
        RETURN 0;
    END IF;
    ours := ARRAY[m.source::oid] || ARRAY(SELECT tree.relid::oid FROM pg_partition_tree(m.source) tree);
    -- All at once; one note at a time only when a key does not parse (then the statement above
    -- is undone, and the notes are taken again below).
    BEGIN
        EXECUTE format(
            'WITH taken AS (DELETE FROM aepg.realtime_pending p WHERE p.model = $1 RETURNING p.relid, p.key_column, p.key)
             DELETE FROM %s r USING taken t
              WHERE r.version = $2 AND r.%I = CASE WHEN t.key_column = $3 AND t.relid = ANY ($4) THEN t.key::%s END',
            results, m.key_column, key_type)
        USING p_model, m.active_version, m.key_column, ours;
        GET DIAGNOSTICS cleared = ROW_COUNT;
        RETURN cleared;
    EXCEPTION WHEN data_exception THEN
        NULL;
    END;
    FOR note IN DELETE FROM aepg.realtime_pending p WHERE p.model = p_model RETURNING p.relid, p.key_column, p.key LOOP
        CONTINUE WHEN note.key_column IS DISTINCT FROM m.key_column OR NOT note.relid = ANY (ours);
        BEGIN
            EXECUTE format('DELETE FROM %s r WHERE r.version = $1 AND r.%I = $2::%s', results, m.key_column, key_type)
               USING m.active_version, note.key;
            GET DIAGNOSTICS one = ROW_COUNT;
            cleared := cleared + one;
        EXCEPTION WHEN data_exception THEN
            NULL;  -- not a value of the key's type (the source's key changed type since training)
        END;
    END LOOP;
    RETURN cleared;
END
$$;
COMMENT ON FUNCTION aepg.take_pending(text) IS 'clears the results of rows written in serializable transactions, for aepg score to score them again';

-- ---------------------------------------------------------------------------------------------
-- The job queue: aepg.enqueue() adds a job and wakes the workers (NOTIFY aepg_jobs); `aepg worker`
-- takes jobs with FOR UPDATE SKIP LOCKED, so any number of workers on any number of machines share it.

CREATE TABLE IF NOT EXISTS aepg.jobs (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('train', 'score', 'evaluate')),
    model         text NOT NULL,
    args          jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 3,
    run_after     timestamptz NOT NULL DEFAULT now(),
    worker        text,                -- host and process of the worker that ran it last
    backend_pid   integer,             -- its server process, to reclaim jobs of workers that died
    enqueued_at   timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    result        jsonb,
    error         text
);
CREATE INDEX IF NOT EXISTS jobs_queued ON aepg.jobs (run_after, id) WHERE status IN ('queued', 'running');
COMMENT ON TABLE aepg.jobs IS 'aepg job queue: train, score and evaluate requests run by aepg worker';
DO $$
BEGIN
    -- A job is queued only by someone who may change its model (aepg.check_model_change).
    DROP TRIGGER IF EXISTS check_model_caller ON aepg.jobs;
    CREATE TRIGGER check_model_caller BEFORE INSERT ON aepg.jobs
        FOR EACH ROW EXECUTE FUNCTION aepg.check_model_change();
END
$$;

-- Runs with the caller's rights (operators may insert a job's kind, model and args, nothing
-- else), so that the job's model is checked against the caller.
CREATE OR REPLACE FUNCTION aepg.enqueue(kind text, model text, args jsonb DEFAULT '{}')
RETURNS bigint LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM aepg.models m WHERE m.name = enqueue.model) THEN
        RAISE EXCEPTION 'aepg model "%" does not exist', model USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO aepg.jobs (kind, model, args) VALUES (enqueue.kind, enqueue.model, coalesce(enqueue.args, '{}'))
    RETURNING id INTO job;
    PERFORM pg_notify('aepg_jobs', job::text);
    RETURN job;
END
$$;
COMMENT ON FUNCTION aepg.enqueue(text, text, jsonb) IS 'queues a train, score or evaluate job for aepg worker; returns its id';

-- Takes the next runnable job for a worker: queued and due, or running under a worker whose
-- server process is gone (it crashed). A job whose workers died max_attempts times fails instead
-- of being taken again. Returns no row when there is nothing to do.
CREATE OR REPLACE FUNCTION aepg.claim_job(p_worker text)
RETURNS SETOF aepg.jobs LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE aepg.jobs j
       SET status = 'failed', finished_at = now(), backend_pid = NULL,
           error = format('its worker died during each of %s attempts (the job may crash the worker: check its options and data)', j.attempts)
     WHERE j.status = 'running' AND j.attempts >= j.max_attempts
       AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.backend_pid);
    UPDATE aepg.jobs j
       SET status = 'running', attempts = j.attempts + 1, worker = p_worker, backend_pid = pg_backend_pid(),
           started_at = now(), finished_at = NULL, error = NULL
     WHERE j.id = (SELECT c.id FROM aepg.jobs c
                    WHERE c.run_after <= now()
                      AND (c.status = 'queued'
                           OR (c.status = 'running' AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.backend_pid)))
                    ORDER BY c.run_after, c.id
                    FOR UPDATE SKIP LOCKED
                    LIMIT 1)
    RETURNING j.*
$$;
COMMENT ON FUNCTION aepg.claim_job(text) IS 'used by aepg worker: takes the next runnable job (FOR UPDATE SKIP LOCKED)';

-- Records how a job ended: done; retried later (backoff) while attempts remain; failed. A
-- retry_after (the model was busy) does not count as an attempt; a permanent error is not retried.
CREATE OR REPLACE FUNCTION aepg.finish_job(p_id bigint, p_error text, p_result jsonb DEFAULT NULL,
                                           p_retry_after interval DEFAULT NULL, p_permanent boolean DEFAULT false)
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE aepg.jobs
       SET status = CASE WHEN p_error IS NULL THEN 'done'
                         WHEN p_permanent THEN 'failed'
                         WHEN p_retry_after IS NOT NULL OR attempts < max_attempts THEN 'queued'
                         ELSE 'failed' END,
           attempts = CASE WHEN p_retry_after IS NOT NULL AND p_error IS NOT NULL THEN attempts - 1 ELSE attempts END,
           run_after = now() + coalesce(p_retry_after, make_interval(secs => 5 * attempts)),
           finished_at = now(), result = p_result, error = p_error, backend_pid = NULL
     WHERE id = p_id AND status = 'running'  -- not one failed meanwhile (its model dropped)
$$;
COMMENT ON FUNCTION aepg.finish_job(bigint, text, jsonb, interval, boolean) IS
    'used by aepg worker: marks a job done, queued again (backoff) or failed';

-- Installed as an extension, the catalog's rows and sequences are user data: pg_dump must keep
-- them. (Outside CREATE EXTENSION the call raises an error, which is expected and ignored.)
DO $$
BEGIN
    PERFORM pg_catalog.pg_extension_config_dump('aepg.models', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.versions', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.layers', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.evaluations', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.evaluations_id_seq', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.jobs', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.jobs_id_seq', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.realtime_failures', '');
    PERFORM pg_catalog.pg_extension_config_dump('aepg.realtime_pending', '');
EXCEPTION WHEN object_not_in_prerequisite_state OR feature_not_supported THEN
    NULL;
END
$$;

-- The worker role creates nothing in aepg: per-model tables and views are made by the functions
-- above, as the schema's owner. (Installations from before 0.3.0 granted it CREATE.) Where
-- `aepg init --roles` ran in this database (aepg.score is no longer PUBLIC's), the functions the
-- worker calls that an upgrade added since (0.8.0, 0.8.1) are the worker's, not PUBLIC's, as
-- aepg-roles.sql has it (a schema's default privileges cannot take PUBLIC's EXECUTE away; other
-- functions are left as they are: readers and operators may hold them through PUBLIC). Operators
-- queue jobs with their own rights since 0.7.0 (aepg.enqueue): an upgrade gives them what
-- aepg-roles.sql does, so that they need not run `aepg init --roles` again.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aepg_worker') THEN
        REVOKE CREATE ON SCHEMA aepg FROM aepg_worker;
        IF NOT has_function_privilege('public', 'aepg.score(text, double precision[])', 'EXECUTE') THEN
            REVOKE ALL ON FUNCTION aepg.take_pending(text), aepg.settle_pending(text, pg_snapshot),
                                   aepg.wait_for_writers(text, interval) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION aepg.take_pending(text), aepg.settle_pending(text, pg_snapshot),
                                      aepg.wait_for_writers(text, interval) TO aepg_worker;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aepg_operator') THEN
        REVOKE EXECUTE ON FUNCTION aepg.refresh_views(text) FROM aepg_operator;  -- a trigger rebuilds views since 0.7.0
        GRANT INSERT (kind, model, args) ON aepg.jobs TO aepg_operator;
        GRANT USAGE ON SEQUENCE aepg.jobs_id_seq TO aepg_operator;
    END IF;
END
$$;

-- Brings every model's results table and views to the current shape; `aepg init` calls it after
-- an upgrade. (Not run inside extension scripts: objects created there would become members of
-- the extension, and pg_dump would leave them out.)
CREATE OR REPLACE FUNCTION aepg.upgrade_model_objects()
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT name, active_version FROM aepg.models LOOP
        IF to_regclass(aepg.object_name(m.name, 'results')) IS NOT NULL THEN
            PERFORM aepg.add_confidence(aepg.object_name(m.name, 'results')::regclass);
            PERFORM aepg.partition_results(m.name);
            IF m.active_version IS NOT NULL THEN PERFORM aepg.refresh_views(m.name); END IF;
        END IF;
    END LOOP;
END
$$;

-- Last: a function in aepg that this script did not just make or replace (its catalog row is
-- older than this transaction) is not aepg's: one an older version made and this one no longer
-- defines, or one someone else put there and an administrator took over by changing owners
-- (its body may call anything, and an overload of theirs could be found where aepg's is meant).
-- It is dropped.
DO $$
DECLARE
    stray pg_catalog.regprocedure;
BEGIN
    FOR stray IN SELECT p.oid FROM pg_catalog.pg_proc p
                  WHERE p.pronamespace = 'aepg'::pg_catalog.regnamespace AND pg_catalog.age(p.xmin) > 0 LOOP
        RAISE NOTICE 'dropping %, which this version of aepg does not define', stray;
        EXECUTE pg_catalog.format('DROP FUNCTION %s', stray);
    END LOOP;
END
$$;
