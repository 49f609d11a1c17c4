extension Network {
    /// The latent vector of every row of `data` (the mean, for a variational network), by the
    /// encoder alone. The rows go through in the chunks and per-thread shares a scorer of this
    /// network uses (`ReconstructionScorer`, an `EnsembleScorer`'s first member), so the vectors
    /// are, bit for bit, the latents that scorer gives: clustering can run on them before the
    /// rows are scored.
    public func latents(of data: Matrix, threads: Int = BLASThreads.available) -> Matrix {
        precondition(data.columns == inputWidth, "rows of \(data.columns) values for a network of \(inputWidth) inputs")
        let chunkSize = ReconstructionScorer.chunkSize(forWidth: inputWidth)
        let split = ChunkSplit(chunkSize: chunkSize, threads: threads)
        let workspaces = (0..<split.parts).map { _ in Workspace(network: self, capacity: split.share) }
        var out = Matrix(rows: data.rows, columns: latentWidth)
        let width = inputWidth, latentWidth = latentWidth, depth = encoderDepth
        out.withUnsafeMutableStorage { out in
            data.storage.withUnsafeBufferPointer { source in
                var start = 0
                while start < data.rows {
                    let count = min(chunkSize, data.rows - start), chunk = source.baseAddress! + start * width
                    let chunkOut = out + start * latentWidth
                    split.run(count: count, blasThreads: BLASThreads.suited(to: self, batch: count)) { part, first, rows in
                        forward(chunk + first * width, batch: rows, workspace: workspaces[part], layerCount: depth)
                        (chunkOut + first * latentWidth).update(from: workspaces[part].latent, count: rows * latentWidth)
                    }
                    start += count
                }
            }
        }
        return out
    }
}
