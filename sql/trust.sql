-- Whose schema aepg is: run before anything reads or writes in it (by `aepg init`, first in every
-- install and update script, and by every session of a superuser). It reads only the system
-- catalog, so none of the schema's own code runs.
--
-- Whoever owns the schema, anything in it, or may create things in it, can put code of theirs
-- where aepg calls or reads by name: a function the SECURITY DEFINER functions call, a trigger
-- or policy on a table they write, a results table made before aepg makes it. So all of those
-- must be roles the session may trust: the current role itself, or, when the session is a
-- superuser's (its session user or current role is one: either can SET ROLE to any other),
-- superusers only. Otherwise a role that may create schemas in the database could make aepg
-- first and become whoever installs or runs aepg next.
CREATE SCHEMA IF NOT EXISTS aepg;
DO $$
DECLARE
    super      boolean := (SELECT pg_catalog.bool_or(r.rolsuper) FROM pg_catalog.pg_roles r WHERE r.rolname IN (current_user, session_user));
    strangers  text;
BEGIN
    WITH aepg AS (
        SELECT n.oid, n.nspowner, n.nspacl FROM pg_catalog.pg_namespace n WHERE n.nspname = 'aepg'
    ), holders(what, role) AS (
        SELECT 'the schema', nspowner FROM aepg
        UNION ALL
        SELECT 'a grant to create in it', a.grantee
          FROM aepg, pg_catalog.aclexplode(aepg.nspacl) AS a WHERE a.privilege_type = 'CREATE'
        UNION ALL
        SELECT c.oid::pg_catalog.regclass::text, c.relowner FROM pg_catalog.pg_class c, aepg WHERE c.relnamespace = aepg.oid
        UNION ALL
        SELECT p.oid::pg_catalog.regprocedure::text, p.proowner FROM pg_catalog.pg_proc p, aepg WHERE p.pronamespace = aepg.oid
        UNION ALL
        SELECT t.oid::pg_catalog.regtype::text, t.typowner FROM pg_catalog.pg_type t, aepg WHERE t.typnamespace = aepg.oid
        UNION ALL
        SELECT o.oid::pg_catalog.regoperator::text, o.oprowner FROM pg_catalog.pg_operator o, aepg WHERE o.oprnamespace = aepg.oid
        UNION ALL
        SELECT 'collation ' || c.collname, c.collowner FROM pg_catalog.pg_collation c, aepg WHERE c.collnamespace = aepg.oid
        UNION ALL
        SELECT 'conversion ' || c.conname, c.conowner FROM pg_catalog.pg_conversion c, aepg WHERE c.connamespace = aepg.oid
        UNION ALL
        SELECT 'operator class ' || c.opcname, c.opcowner FROM pg_catalog.pg_opclass c, aepg WHERE c.opcnamespace = aepg.oid
        UNION ALL
        SELECT 'operator family ' || f.opfname, f.opfowner FROM pg_catalog.pg_opfamily f, aepg WHERE f.opfnamespace = aepg.oid
        UNION ALL
        SELECT 'statistics ' || s.stxname, s.stxowner FROM pg_catalog.pg_statistic_ext s, aepg WHERE s.stxnamespace = aepg.oid
        UNION ALL
        SELECT 'text search configuration ' || c.cfgname, c.cfgowner FROM pg_catalog.pg_ts_config c, aepg WHERE c.cfgnamespace = aepg.oid
        UNION ALL
        SELECT 'text search dictionary ' || d.dictname, d.dictowner FROM pg_catalog.pg_ts_dict d, aepg WHERE d.dictnamespace = aepg.oid
    )
    SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s)', h.what, h.role::pg_catalog.regrole), ', ' ORDER BY h.what)
      INTO strangers
      FROM holders h, pg_catalog.pg_roles r
     WHERE r.oid = h.role
       AND NOT CASE WHEN super THEN r.rolsuper ELSE r.rolname = current_user END;
    IF strangers IS NOT NULL THEN
        RAISE EXCEPTION 'in schema aepg, % cannot trust what these roles own or may create: %',
                        CASE WHEN super THEN 'a superuser' ELSE pg_catalog.format('role %s', current_user) END, strangers
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'run aepg as the role that installed it (a superuser should run aepg only where superusers own all of schema aepg); drop or take over what is not, and revoke CREATE on the schema from other roles';
    END IF;
END
$$;
