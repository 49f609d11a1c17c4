import PGClient

extension SourceTable {
    /// Refuses a source whose reading would run another role's code with this role's rights.
    ///
    /// Planning any query on a table runs code that hangs off it, as whoever plans: PostgreSQL
    /// simplifies the expressions and predicates of its indexes, its extended statistics and the
    /// constraints and partition keys of its children, calling an IMMUTABLE function with
    /// constant arguments there and then, and estimates a predicate's selectivity with its
    /// types' functions (a range type's `subtype_diff`). A table's owner could thus act as the
    /// worker (or as a superuser running `aepg train`). Refused: any function, operator, type,
    /// operator class or other object that is not built in and owned neither by this role nor
    /// by a superuser (an extension's own objects are a superuser's; one a role added to its
    /// extension stays that role's), used by an index, statistics object, constraint, partition
    /// key or generated column of the source, of the tables that inherit from it, or of the
    /// tables a view of this role's reads. Enums, collations and access methods run no one's code.
    /// A superuser reads only relations superusers own.
    ///
    /// The source is locked only against changes that take more than a SHARE lock, so an index
    /// made between this check and a read escapes it (README, "Reading sources", says what that
    /// leaves open): `afterRead` words the error for the
    /// second look, after the rows were read (the caller's transaction, and whatever the code
    /// did in it, is then rolled back). The catalog is read with the search path pinned
    /// (`pinSearchPath`), so that code which ran in the session cannot hide it.
    static func checkNoPlannerCode(_ name: String, oid: UInt32, on connection: PGConnection, afterRead: Bool = false) throws {
        let look = {
            try pinSearchPath(on: connection)
            // The planner's row estimates for the catalog joins run to millions, which sets off JIT
            // compilation: 1.1 s of a 1.15 s look on a database of 50,000 dependencies, four looks a
            // train. The query itself takes milliseconds.
            try connection.execute("SET LOCAL jit = off")
            return try connection.execute(plannerCodeQuery, [String(oid)]).string(0, 0)
        }
        guard let found = try connection.isInTransaction ? look() : connection.transaction(look) else { return }
        if afterRead {
            throw AEPGError(.unsupportedType, "while aepg read \(name), another role added code that planning the read runs with this role's "
                + "rights (\(found)); the read was discarded, but the code may have run: tell whoever administers the database")
        }
        throw AEPGError(.unsupportedType, "reading \(name) would run another role's code with this role's rights: \(found); "
            + "drop or replace those, or run aepg as their owner")
    }

    /// Sets the search path to `pg_catalog, pg_temp` for the rest of the transaction: a function or
    /// operator another role put in a schema on the path (`public`, on PostgreSQL 14 and older)
    /// cannot stand in for a built-in one in what aepg runs on a source.
    static func pinSearchPath(on connection: PGConnection) throws {
        try connection.setSearchPath(Session.searchPath, forTransaction: true)
    }

    /// The objects of `checkNoPlannerCode`, one line each, or NULL.
    private static let plannerCodeQuery = """
        WITH RECURSIVE relation(oid) AS (
            SELECT $1::pg_catalog.int8::pg_catalog.oid
            UNION
            SELECT next.oid
              FROM relation,
                   LATERAL (SELECT i.inhrelid FROM pg_catalog.pg_inherits i WHERE i.inhparent = relation.oid
                            UNION ALL
                            -- A view's tables are planned with it; a materialized view's are not.
                            SELECT d.refobjid
                              FROM pg_catalog.pg_rewrite r
                              JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'
                              JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
                                                         AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                             WHERE r.ev_class = relation.oid AND r.rulename = '_RETURN' AND d.refobjid <> relation.oid) AS next(oid)
        ), holder(classid, objid, whole) AS (
            -- A relation itself: its partition key (its type, when typed, and its columns' types run
            -- nothing when not read, and those read are built in).
            SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, oid, true FROM relation
            UNION ALL
            SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, x.indexrelid, false
              FROM pg_catalog.pg_index x JOIN relation ON relation.oid = x.indrelid
            UNION ALL
            SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, s.oid, false
              FROM pg_catalog.pg_statistic_ext s JOIN relation ON relation.oid = s.stxrelid
            UNION ALL
            SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, c.oid, false
              FROM pg_catalog.pg_constraint c JOIN relation ON relation.oid = c.conrelid
            UNION ALL
            SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, a.oid, false
              FROM pg_catalog.pg_attrdef a JOIN relation ON relation.oid = a.adrelid
              JOIN pg_catalog.pg_attribute t ON t.attrelid = a.adrelid AND t.attnum = a.adnum AND t.attgenerated <> ''
        ), used(holder, classid, objid) AS (
            SELECT pg_catalog.pg_describe_object(h.classid, h.objid, 0), d.refclassid, d.refobjid
              FROM holder h,
                   -- Each holder's dependencies by pg_depend's depender index: OFFSET 0 keeps the
                   -- planner from a join that scans all of pg_depend (25 ms against 7 ms on a
                   -- database of 50,000 dependencies).
                   LATERAL (SELECT e.refclassid, e.refobjid, e.objsubid FROM pg_catalog.pg_depend e
                             WHERE e.classid = h.classid AND e.objid = h.objid OFFSET 0) AS d
             WHERE (NOT h.whole OR (d.objsubid = 0 AND d.refclassid <> 'pg_catalog.pg_type'::pg_catalog.regclass))
               AND d.refobjid >= 16384
               -- Relations, schemas and constraints are not code; nor are collations and access
               -- methods (only a superuser makes an access method).
               AND d.refclassid NOT IN ('pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_namespace'::pg_catalog.regclass,
                                        'pg_catalog.pg_constraint'::pg_catalog.regclass, 'pg_catalog.pg_collation'::pg_catalog.regclass,
                                        'pg_catalog.pg_am'::pg_catalog.regclass)
        ), owned(holder, classid, objid, owner) AS (
            SELECT u.holder, u.classid, u.objid,
                   CASE u.classid
                       WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN (SELECT p.proowner FROM pg_catalog.pg_proc p WHERE p.oid = u.objid)
                       WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass THEN (SELECT o.oprowner FROM pg_catalog.pg_operator o WHERE o.oid = u.objid)
                       WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN (SELECT t.typowner FROM pg_catalog.pg_type t WHERE t.oid = u.objid)
                       WHEN 'pg_catalog.pg_opclass'::pg_catalog.regclass THEN (SELECT c.opcowner FROM pg_catalog.pg_opclass c WHERE c.oid = u.objid)
                       WHEN 'pg_catalog.pg_opfamily'::pg_catalog.regclass THEN (SELECT f.opfowner FROM pg_catalog.pg_opfamily f WHERE f.oid = u.objid)
                       WHEN 'pg_catalog.pg_extension'::pg_catalog.regclass THEN (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.oid = u.objid)
                   END
              FROM used u
        ), found(line) AS (
            SELECT pg_catalog.format('%s uses %s (owned by %s)', o.holder, pg_catalog.pg_describe_object(o.classid, o.objid, 0),
                                     coalesce(pg_catalog.pg_get_userbyid(o.owner), 'an unknown role'))
              FROM owned o
             -- This role's own code is its own business, unless a superuser logged in and took
             -- this role (SET ROLE, or the role option): any code can then SET ROLE back.
             WHERE (o.owner IS DISTINCT FROM (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
                    OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user))
               AND NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = o.owner), false)
               -- An enum, or an array of one, runs no one's code: its functions are built in.
               AND NOT (o.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                        AND EXISTS (SELECT FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
                                     WHERE t.oid = o.objid AND 'e' IN (t.typtype, e.typtype)))
            UNION ALL
            -- A superuser reads only superusers' relations: one can lock a source against new
            -- indexes and statistics only by taking a lock that stops writers as soon as anyone
            -- waits behind it, and code slipped in meanwhile would run with every right.
            SELECT pg_catalog.format('%s is owned by %s, who is not a superuser', pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0),
                                     pg_catalog.pg_get_userbyid(c.relowner))
              FROM relation JOIN pg_catalog.pg_class c ON c.oid = relation.oid
             WHERE (SELECT pg_catalog.bool_or(r.rolsuper) FROM pg_catalog.pg_roles r WHERE r.rolname IN (current_user, session_user))
               AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = c.relowner)
        )
        SELECT pg_catalog.string_agg(DISTINCT line, '; ') FROM found
        """
}
