-- Defect 2: the worker role must not create objects in schema aepg (it used to be able to drop a
-- model's results table, through aepg.drop_model_objects, and recreate it with a trigger of its
-- own, which the owner's realtime scoring then ran). That function is gone (schema 0.7.0).
CREATE ROLE regress_worker1 LOGIN;
GRANT aepg_worker TO regress_worker1;
SELECT has_schema_privilege('aepg_worker', 'aepg', 'CREATE') AS worker_may_create;
SET ROLE regress_worker1;
DROP TABLE aepg.pts_results;
CREATE TABLE aepg.pts_results (id bigint, version int, latent real[], cluster int, distance real,
                               confidence real, score float8, top_features text[], PRIMARY KEY (version, id));
CREATE FUNCTION aepg.evil() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
RESET ROLE;
SELECT to_regclass('aepg.pts_results') AS results_table;
DROP OWNED BY regress_worker1;
DROP ROLE regress_worker1;
