-- Who may do what: every function and table of aepg (a trained model's included) for each role.
-- Functions that run as the owner (definer) all pin search_path.
SELECT has_schema_privilege('aepg_reader', 'aepg', 'USAGE') AS reader_usage,
       has_schema_privilege('aepg_operator', 'aepg', 'USAGE') AS operator_usage,
       has_schema_privilege('aepg_worker', 'aepg', 'USAGE') AS worker_usage,
       has_schema_privilege('aepg_reader', 'aepg', 'CREATE') OR has_schema_privilege('aepg_operator', 'aepg', 'CREATE')
       OR has_schema_privilege('aepg_worker', 'aepg', 'CREATE') OR has_schema_privilege('public', 'aepg', 'CREATE') AS anyone_but_owner_creates;
SELECT p.oid::regprocedure AS function,
       CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END AS runs_as,
       coalesce(array_to_string(p.proconfig, ' '), '') AS settings,
       has_function_privilege('aepg_reader', p.oid, 'EXECUTE') AS reader,
       has_function_privilege('aepg_operator', p.oid, 'EXECUTE') AS operator,
       has_function_privilege('aepg_worker', p.oid, 'EXECUTE') AS worker
  FROM pg_proc p
 WHERE p.pronamespace = 'aepg'::regnamespace
 ORDER BY p.oid::regprocedure::text;
SELECT count(*) AS definers_without_pinned_search_path
  FROM pg_proc p
 WHERE p.pronamespace = 'aepg'::regnamespace AND p.prosecdef
   AND NOT coalesce(array_to_string(p.proconfig, ' '), '') LIKE 'search_path=pg_catalog, pg_temp%';
SELECT c.relname AS relation, c.relkind AS kind,
       (SELECT string_agg(CASE WHEN has_table_privilege(r, c.oid, p) THEN left(p, 1) ELSE '-' END, '' ORDER BY o)
          FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) WITH ORDINALITY AS t(p, o),
               (VALUES ('aepg_reader')) AS x(r)) AS reader,
       (SELECT string_agg(CASE WHEN has_table_privilege(r, c.oid, p) THEN left(p, 1) ELSE '-' END, '' ORDER BY o)
          FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) WITH ORDINALITY AS t(p, o),
               (VALUES ('aepg_operator')) AS x(r)) AS operator,
       (SELECT string_agg(CASE WHEN has_table_privilege(r, c.oid, p) THEN left(p, 1) ELSE '-' END, '' ORDER BY o)
          FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) WITH ORDINALITY AS t(p, o),
               (VALUES ('aepg_worker')) AS x(r)) AS worker
  FROM pg_class c
 WHERE c.relnamespace = 'aepg'::regnamespace AND c.relkind IN ('r', 'p', 'v')
 ORDER BY c.relname;
-- A reader writes nothing.
CREATE ROLE regress_reader8 LOGIN;
GRANT aepg_reader TO regress_reader8;
SET ROLE regress_reader8;
INSERT INTO aepg.models (name, source, key_column) VALUES ('r', 'public.points', 'id');
UPDATE aepg.versions SET threshold = 0;
DELETE FROM aepg.pts_results;
SELECT aepg.create_model('r', 'public.points', 'id');
SELECT aepg.drop_model('pts');
SELECT aepg.enqueue('train', 'pts');
SELECT aepg.activate('pts', 1);
SELECT aepg.enable_realtime('pts');
RESET ROLE;
DROP OWNED BY regress_reader8;
DROP ROLE regress_reader8;
