import Learn

extension FeatureReader {
    /// How the columns read become inputs. Categories are numbered in sorted order (as
    /// LabelEncoder does), so the raw matrix's first-seen codes are renumbered in place.
    func fitEncoding(raw: inout Matrix, options: ResolvedOptions) throws -> FeatureEncoding {
        let numeric = query.numericWidth
        var categorical: [FeatureEncoding.CategoricalColumn] = []
        for (c, codes) in categoryCodes.enumerated() {
            let (categories, renumbering) = codes.sortedCategories()
            if options.categorical == .onehot && categories.count > FeatureEncoding.maximumOneHotCategories {
                throw AEPGError(.unsupportedType, "column \"\(query.categorical[c].name)\" has \(categories.count) distinct values; "
                    + "one-hot encoding takes at most \(FeatureEncoding.maximumOneHotCategories) (one input each): "
                    + "leave it out with --exclude, or use --categorical label")
            }
            categorical.append(.init(name: query.categorical[c].name, categories: categories))
            let rows = raw.rows, width = raw.columns
            raw.withUnsafeMutableStorage { p in
                for r in 0..<rows {
                    let cell = p + r * width + numeric + c
                    if cell.pointee >= 0 { cell.pointee = Float(renumbering[Int(cell.pointee)]) }
                }
            }
        }
        let indicators = options.nullIndicators ? (0..<numeric).filter { nullCounts[$0] > 0 } : []
        return FeatureEncoding(numeric: query.features.flatMap(\.inputNames), arrays: query.arrayColumns, categorical: categorical,
                               method: options.categorical, nullIndicators: indicators)
    }
}
