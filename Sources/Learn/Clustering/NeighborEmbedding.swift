import Foundation

/// Fine-tunes an encoder so that rows that are neighbours in the inputs lie close in the latent
/// space and other rows lie apart: the loss of parametric UMAP (Sainburg, McInnes & Gentner,
/// 2021) with the Cauchy kernel `1 / (1 + ‖z_i − z_j‖²)` that DEC's Student-t assignment also
/// uses. k-means and deep embedded clustering find balls around centroids; this stage gives the
/// latent space balls to find (digits, seeds 1–5: k-means in the latent space 0.78 → 0.91, DEC
/// 0.81 → 0.91; docs/benchmarks.md).
public enum NeighborEmbedding {
    /// Neighbours per row whose pairs the embedding pulls together (UMAP's default is 15; 10
    /// is what DEC's target smoothing found best on digits, and one search serves both).
    public static let neighbors = 10
    /// Edges a batch holds; its encoder pass is twice this many rows (each edge's two ends).
    public static let batchEdges = 256
    /// Rows each edge's first end is pushed away from, drawn among the batch's second ends (one of
    /// which may be a neighbour of it: negative sampling, as UMAP's, does not look).
    public static let negatives = 5
    /// Keeps the repulsion finite when two rows share a latent vector.
    static let epsilon: Float = 1e-6

    /// Fine-tunes `encoder` (encoder-only, see `Network.encoder()`) in place for `epochs` passes
    /// over the neighbour edges of `neighbors`, each edge once a pass in a shuffled order; on a
    /// table of over `NearestNeighbors.candidateLimit` rows a pass is that many rows' worth of
    /// edges drawn at random, so neither time nor memory grows with the table. Returns the mean
    /// loss of each pass.
    public static func fit(encoder: Network, data: Matrix, neighbors: NeighborTable, epochs: Int,
                           optimizer settings: OptimizerSettings, seed: UInt64) -> [Double] {
        let n = data.rows, k = neighbors.k, width = data.columns, d = encoder.latentWidth
        guard epochs > 0, k > 0, n > 1 else { return [] }
        let edgeCount = n * k
        let batchesPerEpoch = (min(n, NearestNeighbors.candidateLimit) * k + batchEdges - 1) / batchEdges
        let workspace = Workspace(network: encoder, capacity: 2 * batchEdges)
        let optimizer = Optimizer(settings: settings, parameterCount: encoder.parameters.count)
        let input = FloatBuffer(count: 2 * batchEdges * width)
        var partners = [Int32](repeating: 0, count: batchEdges * negatives)
        // A stream of its own ("embed" in ASCII), apart from DEC's and k-means' draws from the seed.
        var random = SeededRandom(seed: seed ^ 0x65_6d62_6564)
        // Edge indices in a shuffled order reshuffled after every full round; empty on a large
        // table, whose edges are drawn at random.
        let sampled = n > NearestNeighbors.candidateLimit
        var order = sampled ? [] : Array(0..<edgeCount)
        order.shuffle(using: &random)
        var cursor = 0, losses: [Double] = []
        var pool = [Int](repeating: 0, count: batchEdges)

        for _ in 0..<epochs {
            var total = 0.0, edgesSeen = 0
            for _ in 0..<batchesPerEpoch {
                let count = sampled ? batchEdges : min(batchEdges, edgeCount - cursor)
                data.storage.withUnsafeBufferPointer { source in
                    for b in 0..<count {
                        let edge = sampled ? random.nextIndex(below: edgeCount) : order[cursor + b]
                        let head = edge / k, tail = Int(neighbors.indices[edge])
                        (input.pointer + b * width).update(from: source.baseAddress! + head * width, count: width)
                        (input.pointer + (count + b) * width).update(from: source.baseAddress! + tail * width, count: width)
                    }
                }
                drawPartners(edges: count, random: &random, pool: &pool, into: &partners)
                encoder.forward(input.pointer, batch: 2 * count, workspace: workspace)
                total += Double(count) * partners.withUnsafeBufferPointer { pairsOf in
                    loss(workspace.latent, edges: count, dimensions: d, partners: pairsOf.baseAddress!, into: workspace.latentGradient)
                }
                edgesSeen += count
                encoder.backwardEncoder(input.pointer, batch: 2 * count, workspace: workspace)
                optimizer.update(parameters: encoder.parameters, gradients: workspace.gradients)
                cursor += count
                if !sampled && cursor == edgeCount {
                    cursor = 0
                    order.shuffle(using: &random)
                }
            }
            losses.append(total / Double(edgesSeen))
        }
        return losses
    }

    /// Draws `negatives` partners for each of a batch's `edges` first ends: round r pairs first
    /// end b with second end `edges + π_r(b)` for a fresh random permutation π_r of the batch, so
    /// every partner is a row of this batch (`pool` is scratch of at least `edges`).
    public static func drawPartners(edges: Int, random: inout SeededRandom, pool: inout [Int], into partners: inout [Int32]) {
        for r in 0..<negatives {
            for b in 0..<edges { pool[b] = b }
            pool[0..<edges].shuffle(using: &random)
            for b in 0..<edges { partners[b * negatives + r] = Int32(edges + pool[b]) }
        }
    }

    /// The loss of one batch and its gradient with respect to every latent vector (into `dz`,
    /// `2·edges x dimensions`, overwritten).
    ///
    /// `z` holds the edges' first ends (rows `0..<edges`) then their second ends (rows
    /// `edges..<2·edges`); `partners` holds, for each first end, `negatives` row indices of `z`
    /// to push it from. With `δ = ‖z_a − z_b‖²` an edge costs `log(1 + δ)` and a negative pair
    /// `−log(δ / (1 + δ) + ε)`; the loss is their sum over the batch divided by `edges`.
    public static func loss(_ z: UnsafePointer<Float>, edges: Int, dimensions d: Int, partners: UnsafePointer<Int32>,
                            into dz: UnsafeMutablePointer<Float>) -> Double {
        dz.update(repeating: 0, count: 2 * edges * d)
        let scale = 1 / Float(edges)
        var loss = 0.0

        /// Adds `coefficient · (z_a − z_b)` to a's gradient and subtracts it from b's.
        func push(_ a: Int, _ b: Int, _ coefficient: Float) {
            let za = z + a * d, zb = z + b * d, ga = dz + a * d, gb = dz + b * d
            for t in 0..<d {
                let g = coefficient * (za[t] - zb[t])
                ga[t] += g
                gb[t] -= g
            }
        }

        for a in 0..<edges {
            let b = edges + a
            let near = squaredDistance(z + a * d, z + b * d, dimensions: d)
            loss += Double(log1p(near))
            push(a, b, scale * 2 / (1 + near))
            for r in 0..<negatives {
                let other = Int(partners[a * negatives + r])
                let far = squaredDistance(z + a * d, z + other * d, dimensions: d)
                let apart = far / (1 + far)
                loss -= Double(log(apart + epsilon))
                push(a, other, -scale * 2 / ((apart + epsilon) * (1 + far) * (1 + far)))
            }
        }
        return loss / Double(edges)
    }
}
