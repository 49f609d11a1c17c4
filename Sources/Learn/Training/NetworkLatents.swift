extension Network {
    /// The latent vector of every row of `data` (the mean, for a variational network), by the
    /// encoder alone, in the chunks and per-thread shares of a scorer (`chunkSize`, `split`) and
    /// with the BLAS threads it would give a chunk left on one part (`suited(to: blasNetwork)`):
    /// then every product has the shape, and so the sums, of the scorer's own.
    func latents(of data: Matrix, chunkSize: Int, split: ChunkSplit, blasNetwork: Network) -> Matrix {
        precondition(data.columns == inputWidth, "rows of \(data.columns) values for a network of \(inputWidth) inputs")
        let workspaces = (0..<split.parts).map { _ in Workspace(network: self, capacity: split.share) }
        var out = Matrix(rows: data.rows, columns: latentWidth)
        let width = inputWidth, latentWidth = latentWidth, depth = encoderDepth
        out.withUnsafeMutableStorage { out in
            data.storage.withUnsafeBufferPointer { source in
                var start = 0
                while start < data.rows {
                    let count = min(chunkSize, data.rows - start), chunk = source.baseAddress! + start * width
                    let chunkOut = out + start * latentWidth
                    split.run(count: count, blasThreads: BLASThreads.suited(to: blasNetwork, batch: count)) { part, first, rows in
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
