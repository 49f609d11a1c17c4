-- Whether this session may trust schema aepg: run before anything reads or writes in it (by every
-- aepg session when it connects, again before the installed version is read, and first in every
-- install and update script). It reads only the system catalog, so none of the schema's own code
-- runs, and it passes when there is no schema aepg.
--
-- Whoever owns the schema or anything in it, or may create in it, can put code of theirs where
-- aepg calls or reads by name: a function the SECURITY DEFINER functions call, a view or a
-- table with a trigger, rule or policy that aepg reads or writes, a results table made before
-- aepg makes it. So every one of them must be a role this session trusts anyway: itself, the
-- database's owner (who already sets what every session in the database starts with), or a
-- superuser. Not a role it is a member of: whoever holds ADMIN on a role can make anyone its
-- member, unasked. A superuser's session (its login or its current role is one: either can SET
-- ROLE to any other) trusts superusers alone. Triggers, rules, policies, inheritance links and
-- uses of code or types from elsewhere that aepg does not make are refused whoever made them:
-- changing an object's owner keeps them. Otherwise a role that may create schemas in the
-- database could make aepg first and become whoever installs or runs aepg next.
DO $$
DECLARE
    super      boolean := (SELECT pg_catalog.bool_or(r.rolsuper) FROM pg_catalog.pg_roles r
                            WHERE r.rolname IN (current_user, session_user));
    strangers  text[];
BEGIN
    -- The planner's estimates for catalog joins can set off JIT compilation, which costs far
    -- more than the query (SourceTable+PlannerCode.swift measured 1.1 s).
    PERFORM pg_catalog.set_config('jit', 'off', true);
    WITH aepg AS (
        SELECT n.oid, n.nspowner, n.nspacl FROM pg_catalog.pg_namespace n WHERE n.nspname = 'aepg'
    ), tables AS (
        SELECT c.oid FROM pg_catalog.pg_class c, aepg WHERE c.relnamespace = aepg.oid
    ), members(classid, objid, of_view) AS (  -- what lives in the schema and can depend on code or types
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, c.relkind = 'v'
          FROM pg_catalog.pg_class c, aepg WHERE c.relnamespace = aepg.oid
        UNION ALL
        SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, a.oid, false FROM pg_catalog.pg_attrdef a JOIN tables t ON t.oid = a.adrelid
        UNION ALL
        SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, c.oid, false FROM pg_catalog.pg_constraint c, aepg WHERE c.connamespace = aepg.oid
        UNION ALL
        SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass, r.oid, true FROM pg_catalog.pg_rewrite r JOIN tables t ON t.oid = r.ev_class
        UNION ALL
        SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid, false FROM pg_catalog.pg_trigger g JOIN tables t ON t.oid = g.tgrelid
        UNION ALL
        SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, false FROM pg_catalog.pg_proc p, aepg WHERE p.pronamespace = aepg.oid
        UNION ALL
        SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, y.oid, coalesce((SELECT c.relkind = 'v' FROM pg_catalog.pg_class c WHERE c.oid = y.typrelid), false)
          FROM pg_catalog.pg_type y, aepg WHERE y.typnamespace = aepg.oid
    ), holders(what, role) AS (
        SELECT 'the schema', nspowner FROM aepg
        UNION ALL
        -- PUBLIC (grantee 0) is no role: it is never trusted.
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
        UNION ALL
        -- aepg's own triggers call its own functions; it makes no rules (but views') and no policies.
        SELECT pg_catalog.format('trigger %s on %s', g.tgname, g.tgrelid::pg_catalog.regclass), 0
          FROM pg_catalog.pg_trigger g JOIN tables t ON t.oid = g.tgrelid JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
         WHERE NOT g.tgisinternal AND p.pronamespace <> (SELECT oid FROM aepg)
        UNION ALL
        SELECT pg_catalog.format('rule %s on %s', w.rulename, w.ev_class::pg_catalog.regclass), 0
          FROM pg_catalog.pg_rewrite w JOIN tables t ON t.oid = w.ev_class WHERE w.rulename <> '_RETURN'
        UNION ALL
        SELECT pg_catalog.format('policy %s on %s', y.polname, y.polrelid::pg_catalog.regclass), 0
          FROM pg_catalog.pg_policy y JOIN tables t ON t.oid = y.polrelid
        UNION ALL
        -- Nothing in it (a default, a constraint, an index, a view) calls a function or operator
        -- from outside pg_catalog and aepg, and no table, type or function of it uses a type
        -- from there (a domain's check runs on every write): aepg's own objects never do. Views
        -- are let use types, since a model's views show its source's columns, whatever their type.
        SELECT pg_catalog.format('%s, which uses %s', pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid),
                                 pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0)), 0
          FROM members m
          CROSS JOIN LATERAL (SELECT d.* FROM pg_catalog.pg_depend d
                               WHERE d.classid = m.classid AND d.objid = m.objid OFFSET 0) AS d
          LEFT JOIN pg_catalog.pg_proc p ON d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = d.refobjid
          LEFT JOIN pg_catalog.pg_operator o ON d.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = d.refobjid
          LEFT JOIN pg_catalog.pg_type y ON d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND NOT m.of_view AND y.oid = d.refobjid
         WHERE coalesce(p.pronamespace, o.oprnamespace, y.typnamespace) NOT IN ('pg_catalog'::pg_catalog.regnamespace, (SELECT oid FROM aepg))
        UNION ALL
        -- A table of it that inherits from, or is inherited by, one elsewhere (a partition):
        -- writes there reach it, and triggers there fire on writes to it.
        SELECT pg_catalog.format('%s, which inherits from %s', i.inhrelid::pg_catalog.regclass, i.inhparent::pg_catalog.regclass), 0
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class child ON child.oid = i.inhrelid
          JOIN pg_catalog.pg_class parent ON parent.oid = i.inhparent
         WHERE (child.relnamespace = (SELECT oid FROM aepg)) <> (parent.relnamespace = (SELECT oid FROM aepg))
    )
    -- The schema and its grants first, then the rest by name (the message shows ten).
    SELECT pg_catalog.array_agg(found.line ORDER BY found.what NOT IN ('the schema', 'a grant to create in it'), found.line)
      INTO strangers
      FROM (SELECT DISTINCT h.what, pg_catalog.format('%s (%s)', h.what, coalesce(r.rolname::text, 'public or none')) AS line
              FROM holders h LEFT JOIN pg_catalog.pg_roles r ON r.oid = h.role
             WHERE NOT coalesce(CASE WHEN super THEN r.rolsuper
                                     ELSE r.rolsuper OR r.rolname = current_user
                                          OR r.oid = (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
                                END, false)) AS found;
    IF strangers IS NOT NULL THEN
        RAISE EXCEPTION 'in schema aepg, % cannot trust what these roles own or may create: %',
                        CASE WHEN super THEN 'a superuser' ELSE pg_catalog.format('role %s', current_user) END,
                        pg_catalog.array_to_string(strangers[1:10], ', ')
                        || CASE WHEN pg_catalog.cardinality(strangers) > 10
                                THEN pg_catalog.format(' and %s more', pg_catalog.cardinality(strangers) - 10) ELSE '' END
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'install aepg as a superuser or as the database''s owner, and run it as a superuser only where a superuser installed it; '
                        || 'if someone else made the schema, drop what they made (DROP SCHEMA aepg CASCADE once you have looked inside, '
                        || 'or DROP OWNED BY) and run aepg init again. Changing owners is not enough: what they made stays';
    END IF;
END
$$;
