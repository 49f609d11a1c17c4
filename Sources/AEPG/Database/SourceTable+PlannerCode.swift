import PGClient

extension SourceTable {
    /// Refuses a source whose reading would run another role's functions with this role's rights.
    ///
    /// Planning any query on a table runs code that hangs off it, as whoever plans: PostgreSQL
    /// simplifies the expressions and predicates of its indexes, its extended statistics and the
    /// constraints and partition keys of its children, calling an IMMUTABLE function with
    /// constant arguments there and then. A table's owner could thus act as the worker (or as a
    /// superuser running `aepg train`). Refused: a function, operator, operator class or family
    /// that is not built in, not part of an extension, and not owned by this role, used by any of
    /// those, or by a generated column, of the source, of the tables it inherits into, or of the
    /// tables a view of this role's reads. `afterRead` words the error for a second look after the
    /// rows were read: the source is locked only against changes that take more than a SHARE
    /// lock, so an index made between the check and the read is caught only then.
    static func checkNoPlannerCode(_ name: String, on connection: PGConnection, afterRead: Bool = false) throws {
        guard let found = try connection.execute(plannerCodeQuery, [name]).string(0, 0) else { return }
        if afterRead {
            throw AEPGError(.unsupportedType, "while aepg read \(name), another role added code that planning the read runs with this role's "
                + "rights (\(found)); the read is discarded, and the code may have run: tell whoever administers the database")
        }
        throw AEPGError(.unsupportedType, "reading \(name) would run another role's code with this role's rights: \(found); "
            + "drop or replace those, or run aepg as the role that owns the code")
    }

    /// The objects of `checkNoPlannerCode`, one line each, or NULL.
    private static let plannerCodeQuery = """
        WITH RECURSIVE relation(oid) AS (
            SELECT $1::regclass::oid
            UNION
            SELECT next.oid
              FROM relation,
                   LATERAL (SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = relation.oid
                            UNION ALL
                            SELECT d.refobjid
                              FROM pg_rewrite r
                              JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                                              AND d.refclassid = 'pg_class'::regclass
                             WHERE r.ev_class = relation.oid AND r.rulename = '_RETURN' AND d.refobjid <> relation.oid) AS next(oid)
        ), holder(classid, objid) AS (
            SELECT 'pg_class'::regclass, oid FROM relation
            UNION ALL
            SELECT 'pg_class'::regclass, x.indexrelid FROM pg_index x JOIN relation ON relation.oid = x.indrelid
            UNION ALL
            SELECT 'pg_statistic_ext'::regclass, s.oid FROM pg_statistic_ext s JOIN relation ON relation.oid = s.stxrelid
            UNION ALL
            SELECT 'pg_constraint'::regclass, c.oid FROM pg_constraint c JOIN relation ON relation.oid = c.conrelid
            UNION ALL
            SELECT 'pg_attrdef'::regclass, a.oid
              FROM pg_attrdef a JOIN relation ON relation.oid = a.adrelid
              JOIN pg_attribute t ON t.attrelid = a.adrelid AND t.attnum = a.adnum AND t.attgenerated <> ''
        ), code(holder, used, owner) AS (
            SELECT pg_describe_object(h.classid, h.objid, 0), pg_describe_object(d.refclassid, d.refobjid, 0),
                   coalesce((SELECT p.proowner FROM pg_proc p WHERE d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid),
                            (SELECT o.oprowner FROM pg_operator o WHERE d.refclassid = 'pg_operator'::regclass AND o.oid = d.refobjid),
                            (SELECT c.opcowner FROM pg_opclass c WHERE d.refclassid = 'pg_opclass'::regclass AND c.oid = d.refobjid),
                            (SELECT f.opfowner FROM pg_opfamily f WHERE d.refclassid = 'pg_opfamily'::regclass AND f.oid = d.refobjid))
              FROM holder h
              JOIN pg_depend d ON d.classid = h.classid AND d.objid = h.objid
             WHERE d.refobjid >= 16384
               AND d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass,
                                    'pg_opclass'::regclass, 'pg_opfamily'::regclass)
               AND NOT EXISTS (SELECT FROM pg_depend e
                                WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e')
        )
        SELECT string_agg(DISTINCT format('%s uses %s (owned by %s)', holder, used, pg_get_userbyid(owner)), '; ')
          FROM code
         WHERE owner IS DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user)
        """
}
