import PGClient

/// A column of a source table, as the catalog describes it.
public struct SourceColumn: Equatable, Sendable {
    public var name: String
    /// The type as PostgreSQL prints it, e.g. `double precision`, `numeric(10,2)`.
    public var typeName: String
    public var typeOID: UInt32
    /// The element type of an array column (nil for other columns).
    public var elementTypeOID: UInt32?

    public init(name: String, typeName: String, typeOID: UInt32, elementTypeOID: UInt32? = nil) {
        self.name = name
        self.typeName = typeName
        self.typeOID = typeOID
        self.elementTypeOID = elementTypeOID
    }

    /// Whether aepg can read the column as a number.
    public var isNumeric: Bool { SourceColumn.numericTypes.contains(typeOID) }

    /// Whether the column is an array of numbers (any number of dimensions): a feature group of
    /// one input per element (aepg.is_numeric_array_type in SQL; RuleAgreementTests).
    public var isNumericArray: Bool { elementTypeOID.map(SourceColumn.numericElementTypes.contains) ?? false }

    /// Whether the column can be a feature without encoding: a number or an array of numbers.
    public var isNumericFeature: Bool { isNumeric || isNumericArray }

    /// SQL that reads the column from alias `s` as float8, or as float8[] for an array.
    public var asDouble: String {
        if isNumericArray { return "s.\(quoteIdentifier(name))::double precision[]" }
        return typeOID == 16 ? "s.\(quoteIdentifier(name))::int::double precision"
                             : "s.\(quoteIdentifier(name))::double precision"
    }

    /// Whether the column is text (text, varchar, char): a categorical feature when asked for.
    public var isText: Bool { [25, 1042, 1043].contains(typeOID) }

    /// SQL that reads the column as text from alias `s`.
    public var asText: String { "s.\(quoteIdentifier(name))::text" }

    // bool, int8, int2, int4, float4, float8, numeric (aepg.is_numeric_type in SQL; RuleAgreementTests)
    static let numericTypes: Set<UInt32> = [16, 20, 21, 23, 700, 701, 1700]
    // Array elements: the same without boolean (which has no cast to float8).
    static let numericElementTypes: Set<UInt32> = [20, 21, 23, 700, 701, 1700]

    /// Whether the type is one of PostgreSQL's own (its functions run no user's code).
    public var isBuiltIn: Bool { typeOID < 16_384 }
}

/// Whose view of a source's rows a read must not exceed: a worker that bypasses row-level
/// security sees every row, and what it trains on reaches the results.
public enum SourceViewer: Equatable, Sendable {
    /// The role running aepg (a definition about to be saved by it).
    case thisRole
    /// The role that defined the model.
    case role(String)
    /// A definition saved before aepg recorded its definer: only a source without row-level
    /// security is read for it.
    case unrecorded
}

/// A source table resolved in the database: its canonical name and columns.
public struct SourceTable: Equatable, Sendable {
    /// The columns of a results table besides the key (see aepg.prepare_results).
    static let resultsColumns: Set<String> = ["version", "latent", "cluster", "distance", "confidence", "score", "top_features"]
    /// Features per model at most: a table, and so the results' views, holds at most 1,600 columns.
    public static let maximumFeatures = 1_590

    /// The name as a regclass prints it: schema-qualified where needed, quoted where needed.
    public var name: String
    /// The name with its schema, quoted: what queries read, so that no schema earlier on the
    /// search path can put another relation in its place.
    public var qualifiedName: String
    /// The relation that was checked (see `pin`).
    public var oid: UInt32
    /// Its kind, as `pg_class.relkind` says it (`r` a table, `v` a view, `m` a materialized view...).
    public var kind: String
    public var columns: [SourceColumn]

    /// Looks `reference` up the way SQL would (`schema.table`, quoted parts allowed); a name
    /// that does not parse as SQL is tried as one literal identifier (`My Table`).
    public static func resolve(_ reference: String, on connection: PGConnection) throws -> SourceTable {
        guard let found = try lookUp(reference, on: connection) else {
            throw AEPGError(.unknownTable,
                "table \"\(reference)\" does not exist (write it as SQL would: schema.table, with double quotes around names that have capitals or spaces)")
        }
        let relation = try connection.execute("""
            SELECT c.oid::regclass::text AS name, format('%I.%I', n.nspname, c.relname) AS qualified, c.relkind::text AS kind
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::int8::oid
            """, [String(found)]).onlyRow()
        let oid = found, name = try relation.text("name"), qualifiedName = try relation.text("qualified")
        try checkSafeToRead(name, oid: oid, on: connection)
        return SourceTable(name: name, qualifiedName: qualifiedName, oid: oid, kind: try relation.text("kind"),
                           columns: try columns(of: oid, on: connection))
    }

    /// The OID of the relation `reference` names, looked up with the user's own search path (the
    /// session's before aepg pinned it: `Session`); nil when there is none. Only the relation is
    /// looked up there: the functions that look are named with their schema.
    private static func lookUp(_ reference: String, on connection: PGConnection) throws -> UInt32? {
        let find = { () throws -> String? in
            if let path = connection.searchPathBeforePinning {
                try connection.setSearchPath(path, forTransaction: true)
            }
            defer {
                if connection.searchPathBeforePinning != nil { _ = try? pinSearchPath(on: connection) }
            }
            do {
                return try connection.undoingOnError {
                    try connection.execute("SELECT coalesce(pg_catalog.to_regclass($1), pg_catalog.to_regclass(pg_catalog.quote_ident($1)))::oid::int8",
                                           [reference]).string(0, 0)
                }
            } catch let error as PGError where error.sqlState != nil {
                return try connection.execute("SELECT pg_catalog.to_regclass(pg_catalog.quote_ident($1))::oid::int8", [reference]).string(0, 0)
            }
        }
        return try (connection.isInTransaction ? find() : connection.transaction(find)).flatMap { UInt32($0) }
    }

    /// The columns of relation `oid`, in order.
    private static func columns(of oid: UInt32, on connection: PGConnection) throws -> [SourceColumn] {
        let rows = try connection.execute("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type_name, a.atttypid::int8 AS type_oid,
                   CASE WHEN t.typcategory = 'A' THEN t.typelem::int8 END AS element_oid
              FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
             WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum
            """, [String(oid)])
        return try rows.rows.map {
            SourceColumn(name: try $0.text("attname"), typeName: try $0.text("type_name"), typeOID: UInt32(try $0.int("type_oid")),
                         elementTypeOID: try $0.optionalInt("element_oid").map(UInt32.init))
        }
    }

    /// Locks the source until the current transaction ends and checks it again, so that the rows
    /// read are those of the relation, and the columns of the types, that were checked: between
    /// `resolve` and the read, another role could have renamed it and put a view of their own
    /// under its name, turned an empty table into a view (before PostgreSQL 16), or replaced a
    /// column by one of a type whose casts are theirs. Call it in a transaction, before the
    /// transaction's first read of the source.
    /// `viewer` is whose view of the rows the read must not exceed (row-level security enabled
    /// after a model was defined must not show the worker rows its definer cannot see).
    public func pin(on connection: PGConnection, for viewer: SourceViewer) throws {
        try Self.pinSearchPath(on: connection)
        try lock(on: connection)
        let now = try connection.execute("SELECT to_regclass($1)::oid::int8", [qualifiedName]).int(0, 0)
        // Compared by name and type, not by how the type prints (which depends on the search path).
        let types = { (columns: [SourceColumn]) in columns.map { [$0.name, String($0.typeOID), String($0.elementTypeOID ?? 0)] } }
        guard now.map(UInt32.init) == oid, try types(Self.columns(of: oid, on: connection)) == types(columns) else {
            throw AEPGError(.unknownTable, "\(name) was replaced by another relation, or its columns changed, while aepg was about to read it; run the command again")
        }
        try bindReadName(on: connection)
        try Self.checkSafeToRead(name, oid: oid, on: connection)
        try checkVisible(to: viewer, on: connection)
    }

    /// What reads of the source name once it is pinned: a temporary view of this session's over
    /// the relation `oid` itself. The relation's name could be taken over meanwhile by whoever
    /// owns its schema (renaming a schema locks none of its tables).
    public var readName: String { "pg_temp.aepg_source_\(oid)" }

    /// Makes `readName` a view of the checked relation (creating a view plans nothing), and
    /// checks that it reads that relation and no other. It holds the columns of built-in types,
    /// all that aepg reads: another type's owner could otherwise refuse this role its USAGE.
    private func bindReadName(on connection: PGConnection) throws {
        let rowID = rowIDColumn.map { ["ctid AS \(quoteIdentifier($0))"] } ?? []
        let readable = (rowID + columns.filter(\.isBuiltIn).map { quoteIdentifier($0.name) }).joined(separator: ", ")
        do {
            try connection.undoingOnError {
                try connection.execute("DROP VIEW IF EXISTS \(readName)")
                try connection.execute("CREATE TEMPORARY VIEW aepg_source_\(oid) AS SELECT \(readable) FROM \(qualifiedName)")
            }
        } catch let error as PGError where error.sqlState == PGError.State.insufficientPrivilege {
            throw AEPGError(.database, "aepg reads a source through a temporary view, and \(error.message); "
                            + "grant this role TEMPORARY on the database")
        }
        let reads = try connection.execute("""
            SELECT array_agg(DISTINCT d.refobjid::int8) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
             WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
               AND r.ev_class = $1::regclass AND d.refobjid <> r.ev_class
            """, [readName]).string(0, 0)
        guard reads == "{\(oid)}" else {
            throw AEPGError(.unknownTable, "\(name) was replaced by another relation while aepg was about to read it; run the command again")
        }
    }

    /// The column of `readName` that holds each row's `ctid` (where it is stored: a page number
    /// and a place on the page), under a name none of the source's columns has; nil for a source
    /// whose rows have no such place of their own (a view, a partitioned or a foreign table).
    /// Several connections read a large table at once, each its own range of pages (`BlockRange`).
    public var rowIDColumn: String? {
        guard kind == "r" || kind == "m" else { return nil }
        var name = "aepg_ctid"
        while columns.contains(where: { $0.name == name }) { name += "_" }
        return name
    }

    /// Looks at the catalog again once the rows are read (`checkNoPlannerCode`), and drops the
    /// view `readName`, which would otherwise hold up changes to the source's columns for as
    /// long as the session lasts. Call it in the transaction that pinned the source.
    public func finishReading(on connection: PGConnection) throws {
        try Self.checkNoPlannerCode(name, oid: oid, on: connection, afterRead: true)
        try connection.execute("DROP VIEW IF EXISTS \(readName)")
    }

    /// Locks the source until the transaction ends, planning nothing: `pin` checks what it
    /// locked before anything on it is planned.
    private func lock(on connection: PGConnection) throws {
        let kind = try connection.execute("SELECT relkind::text FROM pg_class WHERE oid = $1::int8::oid", [String(oid)]).string(0, 0)
        guard kind == "m" else {
            try connection.execute("LOCK TABLE \(qualifiedName) IN ACCESS SHARE MODE")
            return
        }
        // LOCK TABLE does not take a materialized view. Preparing a query on it does (parsing
        // locks what it names), and runs no code: a query is planned only when it is run.
        try connection.execute("PREPARE aepg_pin AS SELECT FROM \(qualifiedName)")
        try connection.execute("DEALLOCATE aepg_pin")
    }

    /// Runs `body` in a transaction with the source pinned (`pin`): every read of the source's
    /// rows goes through here or through `pin`.
    public func reading<T>(on connection: PGConnection, for viewer: SourceViewer, _ body: () throws -> T) throws -> T {
        try connection.transaction {
            try pin(on: connection, for: viewer)
            let result = try body()
            try finishReading(on: connection)
            return result
        }
    }

    /// Refuses a source whose row-level security would hide rows from `viewer`.
    private func checkVisible(to viewer: SourceViewer, on connection: PGConnection) throws {
        let role: String?
        switch viewer {
        case .thisRole: return  // checkSafeToRead refused a source whose policies apply to this role
        case .role(let name): role = name
        case .unrecorded: role = nil
        }
        let rights = try connection.execute("""
            SELECT c.relrowsecurity AND coalesce((SELECT NOT (r.rolbypassrls OR (pg_has_role(r.oid, c.relowner, 'USAGE') AND NOT c.relforcerowsecurity))
                                                     FROM pg_roles r WHERE r.rolname = $2), true) AS hidden,
                   coalesce((SELECT has_table_privilege(r.oid, c.oid, 'SELECT') FROM pg_roles r WHERE r.rolname = $2), false) AS readable
              FROM pg_class c WHERE c.oid = $1::int8::oid
            """, [String(oid), role]).onlyRow()
        if let role, try !rights.bool("readable") {
            throw AEPGError(.unsupportedType, "\(role), who defined the model, may no longer read \(name) (or no longer exists); aepg reads a source "
                + "only as far as its definer may: redefine the model (aepg train --table ...) as a role that reads it")
        }
        guard try !rights.bool("hidden") else {
            let who = role.map { "from \($0), who defined the model" } ?? "from whoever defined the model (aepg did not record it before schema 0.6.0)"
            throw AEPGError(.unsupportedType, "\(name) has row-level security, which may hide rows \(who); aepg reads a source only as far as its "
                + "definer may see it: redefine the model (aepg train --table ...) as a role that sees every row, or on a view of the rows it may see")
        }
    }

    /// Refuses a source whose reading would run another role's code with this role's rights (a
    /// view's functions run as its reader, and so do row-level security policies and the
    /// functions in its indexes' expressions: `checkNoPlannerCode`), and turns
    /// row-level security off for this session, so that a policy makes the read fail instead of
    /// running. A worker reads many people's tables; none of them may act through it. A view
    /// counts as this role's own only when this role is its owner: membership of the owning role
    /// is not enough (the view's code would gain this role's other rights), and neither is being
    /// a superuser, for whom every role's membership test is true.
    static func checkSafeToRead(_ name: String, oid: UInt32, on connection: PGConnection) throws {
        let relation = try connection.execute("""
            SELECT c.relkind::text AS kind, pg_get_userbyid(c.relowner) AS owner,
                   c.relowner = r.oid AS own,
                   c.relrowsecurity AND NOT (r.rolbypassrls OR (pg_has_role(c.relowner, 'USAGE') AND NOT c.relforcerowsecurity)) AS policed
              FROM pg_class c, pg_roles r
             WHERE c.oid = $1::int8::oid AND r.rolname = current_user
            """, [String(oid)]).onlyRow()
        switch try relation.text("kind") {
        case "r", "p", "m":
            break
        case "v" where try relation.bool("own"):
            break
        case "v":
            throw AEPGError(.unsupportedType, "\(name) is a view owned by \(try relation.text("owner")); aepg reads a view only as "
                + "its owner (its functions would run with this role's rights): train on a table, or on a view this role owns")
        default:
            throw AEPGError(.unsupportedType, "\(name) is not a table, materialized view or view; aepg cannot read it")
        }
        guard try !relation.bool("policed") else {
            throw AEPGError(.unsupportedType, "\(name) has row-level security, which would hide rows from training and run its "
                + "policies with this role's rights; run aepg as a role that bypasses it (the table's owner, or one with BYPASSRLS)")
        }
        try checkNoPlannerCode(name, oid: oid, on: connection)
        try connection.execute("SET row_security = off")
    }

    /// The planner's row estimate (`pg_class.reltuples`; 0 for never-analysed tables and views).
    public func estimatedRows(on connection: PGConnection) throws -> Int {
        let estimate = try connection.execute("SELECT greatest(reltuples, 0)::int8 FROM pg_class WHERE oid = $1::int8::oid", [String(oid)])
        return min(estimate.int(0, 0) ?? 0, 1 << 30)
    }

    /// The key column: of a built-in type (its send and comparison functions run as whoever reads
    /// or writes results) and not named like a column of the results table.
    public func keyColumn(_ name: String) throws -> SourceColumn {
        let key = try column(name, role: "key")
        guard key.isBuiltIn else {
            throw AEPGError(.unsupportedType, "key column \"\(key.name)\" of \(self.name) has type \(key.typeName), which is not built in; "
                + "use a key of a built-in type (integer, bigint, text, uuid, ...), for example through a view of your own that casts it")
        }
        guard !Self.resultsColumns.contains(key.name) else {
            throw AEPGError(.invalidName, "the key column of \(self.name) is named \"\(key.name)\", a name the results table uses itself ("
                + Self.resultsColumns.sorted().joined(separator: ", ") + "); train on a view of your own that renames it")
        }
        return key
    }

    /// A label column to evaluate against: of a built-in type, because evaluation reads it as
    /// text, and a type of someone else's would run their cast or output function with this
    /// role's rights.
    public func evaluationLabel(_ name: String) throws -> SourceColumn {
        let label = try column(name, role: "label")
        guard label.isBuiltIn else {
            throw AEPGError(.unsupportedType, "label column \"\(label.name)\" of \(self.name) has type \(label.typeName), which is not built in; "
                + "evaluate against a label of a built-in type (a number, or text classes), for example through a view of your own that casts it")
        }
        return label
    }

    /// The column called exactly `name`, or an error listing the columns there are.
    public func column(_ name: String, role: String) throws -> SourceColumn {
        guard let column = columns.first(where: { $0.name == name }) else {
            let list = columns.map(\.name).prefix(40).joined(separator: ", ")
            throw AEPGError(.unknownColumn, "table \(self.name) has no \(role) column \"\(name)\" (columns: \(list))")
        }
        return column
    }

    /// The feature columns of a model: the explicit list, or every numeric and numeric-array column (and, with
    /// `categorical`, every text column) but the key, the label and the excluded ones. Each must
    /// exist and be numeric, or be read as text when `categorical` is set.
    ///
    /// Everything that would otherwise fail only after training is checked here, before any work:
    /// a key of a type aepg cannot store or a name the results table uses itself, a label that is
    /// not a number, a column named twice, the label among the features, too many features.
    public func featureColumns(of model: ModelDefinition, categorical: Bool = false) throws -> [SourceColumn] {
        _ = try keyColumn(model.keyColumn)
        if let label = model.labelColumn {
            let labelColumn = try column(label, role: "label")
            guard labelColumn.isNumeric else {
                throw AEPGError(.unsupportedType, "label column \"\(label)\" of \(name) has type \(labelColumn.typeName); a training label "
                    + "must be a number (0/1 for anomalies, or a class number); aepg evaluate --label also takes text classes")
            }
            if model.features?.contains(label) == true {
                throw AEPGError(.invalidOption, "column \"\(label)\" cannot be both a feature and the label")
            }
        }
        for name in model.exclude { _ = try column(name, role: "excluded") }
        let chosen: [SourceColumn]
        if let explicit = model.features {
            let repeated = Dictionary(grouping: explicit, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            guard repeated.isEmpty else {
                throw AEPGError(.invalidOption, "features name a column more than once: \(repeated.joined(separator: ", "))")
            }
            chosen = try explicit.map { try column($0, role: "feature") }
            for column in chosen where !column.isNumericFeature && !categorical {
                throw AEPGError(.unsupportedType,
                    "feature column \"\(column.name)\" of \(name) has type \(column.typeName); features must be numeric (smallint, integer, bigint, real, double precision, numeric or boolean) or arrays of numbers, or add --categorical onehot|label to encode text columns")
            }
            if chosen.contains(where: { $0.name == model.keyColumn }) {
                throw AEPGError(.invalidOption, "the key column \"\(model.keyColumn)\" cannot also be a feature")
            }
        } else {
            let skip = Set([model.keyColumn] + model.exclude + (model.labelColumn.map { [$0] } ?? []))
            chosen = columns.filter { ($0.isNumericFeature || (categorical && $0.isText)) && !skip.contains($0.name) }
        }
        guard !chosen.isEmpty else {
            throw AEPGError(.unsupportedType, "table \(name) has no numeric feature columns besides the key and label")
        }
        guard chosen.count <= Self.maximumFeatures else {
            throw AEPGError(.invalidOption, "\(chosen.count) feature columns are more than aepg takes (\(Self.maximumFeatures)); choose them with --features or leave some out with --exclude")
        }
        return chosen
    }

    /// The number of elements of an array column, from its first non-empty value: the model's
    /// length for that column (rows of another length are then an error naming the column).
    func arrayLength(of column: SourceColumn, on connection: PGConnection) throws -> Int {
        let found = try connection.execute("""
            SELECT cardinality(s.\(quoteIdentifier(column.name))) FROM \(readName) s
             WHERE cardinality(s.\(quoteIdentifier(column.name))) > 0 LIMIT 1
            """).int(0, 0)
        guard let length = found else {
            throw AEPGError(.badData, "array column \"\(column.name)\" of \(name) has no non-empty array; leave it out with --exclude")
        }
        return length
    }

    /// Refuses inputs with the same name (a column called `x[1]` beside an array `x`), which
    /// `top_features` and SQL scoring could not tell apart.
    func checkInputNames(_ names: [String]) throws {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw AEPGError(.invalidName, "two inputs of \(self.name) would be called \"\(name)\" (a column named like an element of an "
                + "array column); leave one out with --exclude, or train on a view of your own that renames it")
        }
    }
}
