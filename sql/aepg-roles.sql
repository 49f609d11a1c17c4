-- aepg roles, installed by `aepg init --roles` (roles belong to the whole cluster, so they are
-- not part of the extension script). Run as the role that owns the aepg schema. Safe to rerun.
--   aepg_reader    reads the views, results and catalog; scores rows with aepg.score / aepg.score_row
--   aepg_operator  also defines, drops and activates models, queues jobs, switches realtime scoring
--   aepg_worker    what `aepg worker` / `aepg train` / `aepg score` need; grant it SELECT on the sources
-- Grant them to login roles: GRANT aepg_reader TO alice;

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['aepg_reader', 'aepg_operator', 'aepg_worker'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;
GRANT aepg_reader TO aepg_operator;

-- Nobody calls aepg's functions by default; each role gets what it needs.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA aepg FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA aepg REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Readers: the schema, every table and view in it (also those the owner's functions create
-- later), and in-database scoring. The flags and cluster views run with the reader's rights
-- (PostgreSQL 15+), so reading a model's source through them takes SELECT on the source too.
GRANT USAGE ON SCHEMA aepg TO aepg_reader, aepg_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA aepg TO aepg_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA aepg GRANT SELECT ON TABLES TO aepg_reader;
-- But not the realtime trigger's notes of serializable writes: a serializable transaction that
-- read them would be tied to every serializable writer of a realtime source (aepg.sql).
REVOKE ALL ON aepg.realtime_pending FROM aepg_reader;
GRANT EXECUTE ON FUNCTION aepg.score(text, double precision[]), aepg.score_row(text, jsonb),
                          aepg.activate_value(text, double precision), aepg.object_name(text, text),
                          aepg.apply_layer(real[], real[], text, double precision[]), aepg.as_real(double precision[]),
                          aepg.reconstruct(text, integer, integer, double precision[], boolean, double precision),
                          aepg.square(double precision),
                          aepg.model_row(text), aepg.is_numeric_type(oid), aepg.column_type(regclass, text),
                          aepg.is_numeric_array_type(oid), aepg.feature_columns(text[], jsonb),
                          aepg.array_inputs(double precision[], text, integer), aepg.json_numbers(jsonb, text)
      TO aepg_reader, aepg_worker;

-- Operators: manage models and queue jobs. Every write of a definition, through create_model or
-- directly, passes aepg.check_model_definition with the operator's own rights (they must be able
-- to read the source); every change, drop or job of a model passes aepg.check_model_change (only
-- the role that defined it, its members and the worker may).
GRANT INSERT, UPDATE, DELETE ON aepg.models TO aepg_operator;
GRANT EXECUTE ON FUNCTION aepg.create_model(text, regclass, text, text[], text[], text, jsonb),
                          aepg.drop_model(text), aepg.activate(text, integer),
                          aepg.enqueue(text, text, jsonb),
                          aepg.enable_realtime(text), aepg.disable_realtime(text), aepg.realtime_trigger(),
                          aepg.has_results(text, integer), aepg.has_unique_key(regclass, text)
      TO aepg_operator;
-- aepg.enqueue runs with the caller's rights: operators insert a job's kind, model and args (a
-- trigger checks that they may change that model), and set none of its state.
GRANT INSERT (kind, model, args) ON aepg.jobs TO aepg_operator;
GRANT USAGE ON SEQUENCE aepg.jobs_id_seq TO aepg_operator;

-- Workers: read and write the catalog, results and jobs. They create nothing in the schema (the
-- owner's functions make per-model tables and views), so they cannot plant triggers or objects
-- that the owner's functions would run.
REVOKE CREATE ON SCHEMA aepg FROM aepg_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA aepg TO aepg_worker;
ALTER DEFAULT PRIVILEGES IN SCHEMA aepg GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO aepg_worker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA aepg TO aepg_worker;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA aepg TO aepg_worker;
