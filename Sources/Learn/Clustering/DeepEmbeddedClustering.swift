/// Settings of deep embedded clustering.
public struct DECSettings: Codable, Equatable, Sendable {
    /// Batches between recomputations of the target distribution (and the stopping test).
    public var updateInterval: Int
    /// Stop when fewer than this share of the rows changed cluster since the last update.
    public var tolerance: Double
    /// Upper bound on batches.
    public var maxIterations: Int
    public var batchSize: Int
    public var optimizer: OptimizerSettings
    public var seed: UInt64
    /// Each row's target is the mean of its own and its nearest rows' targets (by distance in
    /// the inputs), so a row is pulled towards the cluster its neighbourhood is in; 0 is Xie et
    /// al.'s DEC. On digits, 10 raised the accuracy over seeds 1–5 (docs/benchmarks.md).
    public var neighbors: Int

    /// Xie et al.'s values (update every 140 batches, tolerance 0.1 %, 256 rows a batch, at
    /// most 20,000 batches) with Adam instead of their SGD.
    public init(updateInterval: Int = 140, tolerance: Double = 0.001, maxIterations: Int = 20_000,
                batchSize: Int = 256, optimizer: OptimizerSettings = OptimizerSettings(kind: .adam, learningRate: 0.001),
                seed: UInt64 = 0, neighbors: Int = 0) {
        self.updateInterval = updateInterval
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.seed = seed
        self.neighbors = neighbors
    }
}

/// What deep embedded clustering produced.
public struct DECResult: Sendable {
    /// Centroids, labels, distances in the fine-tuned latent space (as k-means reports them).
    public var clusters: KMeansResult
    /// Each row's largest soft assignment.
    public var confidence: [Float]
    /// Every row's latent vector from the fine-tuned encoder (`rows x latent`).
    public var latents: Matrix
    /// Batches run.
    public var iterations: Int
    /// Share of rows that changed cluster at each target update.
    public var changedShares: [Double]
}

/// Deep embedded clustering (Xie, Girshick & Farhadi, 2016): starting from a pretrained encoder
/// and k-means centroids in its latent space, fine-tunes the encoder and the centroids together
/// to minimise KL(P ‖ Q), Q the Student-t soft assignment and P its sharpened target.
public enum DeepEmbeddedClustering {
    /// Fine-tunes `encoder` (an encoder-only network, see `Network.encoder()`) in place on the
    /// rows of `data`, from the k-means result `initial` on its latent vectors; `neighborhoods`
    /// (each row's `settings.neighbors` nearest rows, see `NearestNeighbors.sampledTable`)
    /// smooth the target, nil for Xie et al.'s DEC.
    public static func fit(encoder: Network, data: Matrix, initial: KMeansResult, settings: DECSettings,
                           neighborhoods: NeighborTable?) -> DECResult {
        let n = data.rows, width = data.columns, d = encoder.latentWidth, k = initial.centroids.rows
        let batchSize = max(1, min(settings.batchSize, n))
        let centroids = FloatBuffer(initial.centroids.storage)
        let centroidGradient = FloatBuffer(count: k * d)
        let workspace = Workspace(network: encoder, capacity: batchSize)
        let networkOptimizer = Optimizer(settings: settings.optimizer, parameterCount: encoder.parameters.count)
        let centroidOptimizer = Optimizer(settings: settings.optimizer, parameterCount: k * d)
        let latents = FloatBuffer(count: n * d), q = FloatBuffer(count: n * k), p = FloatBuffer(count: n * k)
        let input = FloatBuffer(count: batchSize * width), batchTarget = FloatBuffer(count: batchSize * k)
        let batchQ = FloatBuffer(count: batchSize * k)
        var labels = initial.labels
        var random = SeededRandom(seed: settings.seed)
        var order = Array(0..<n)
        order.shuffle(using: &random)
        let ownTarget = neighborhoods == nil ? p : FloatBuffer(count: n * k)

        /// Latent vectors and soft assignments of every row; returns how many rows changed label.
        func assignAll() -> Int {
            encodeAll(encoder, data: data, workspace: workspace, buffer: input, into: latents.pointer)
            StudentTAssignment.soft(latents.pointer, rows: n, dimensions: d, centroids: centroids.pointer, k: k, into: q.pointer)
            var changed = 0
            for i in 0..<n {
                var best = 0
                for j in 1..<k where q[i * k + j] > q[i * k + best] { best = j }
                if labels[i] != Int32(best) { changed += 1; labels[i] = Int32(best) }
            }
            return changed
        }

        var changedShares: [Double] = []
        var iteration = 0, cursor = 0
        while iteration < settings.maxIterations {
            if iteration % max(settings.updateInterval, 1) == 0 {
                let changed = assignAll()
                StudentTAssignment.target(q.pointer, rows: n, k: k, into: ownTarget.pointer)
                neighborhoods?.average(ownTarget.pointer, width: k, into: p.pointer)
                if iteration > 0 {
                    changedShares.append(Double(changed) / Double(n))
                    if Double(changed) / Double(n) < settings.tolerance { break }
                }
            }
            let count = min(batchSize, n - cursor)
            let rows = order[cursor..<(cursor + count)]
            Trainer.gather(data, rows: rows, into: input.pointer)
            for (b, row) in rows.enumerated() {
                (batchTarget.pointer + b * k).update(from: p.pointer + row * k, count: k)
            }
            encoder.forward(input.pointer, batch: count, workspace: workspace)
            _ = StudentTAssignment.klDivergence(workspace.latent, target: batchTarget.pointer, rows: count, dimensions: d,
                                                centroids: centroids.pointer, k: k, scratch: batchQ.pointer,
                                                dz: workspace.latentGradient, dCentroids: centroidGradient.pointer)
            encoder.backwardEncoder(input.pointer, batch: count, workspace: workspace)
            networkOptimizer.update(parameters: encoder.parameters, gradients: workspace.gradients)
            centroidOptimizer.update(parameters: centroids, gradients: centroidGradient)
            cursor += count
            if cursor >= n { cursor = 0 }
            iteration += 1
        }
        _ = assignAll()

        var confidence = [Float](repeating: 0, count: n), distances = [Float](repeating: 0, count: n)
        var inertia = 0.0
        for i in 0..<n {
            confidence[i] = q[i * k + Int(labels[i])]
            let sum = squaredDistance(latents.pointer + i * d, centroids.pointer + Int(labels[i]) * d, dimensions: d)
            distances[i] = sum.squareRoot()
            inertia += Double(sum)
        }
        let result = KMeansResult(centroids: Matrix(rows: k, columns: d, values: centroids.array), labels: labels,
                                  distances: distances, inertia: inertia, iterations: iteration)
        return DECResult(clusters: result, confidence: confidence, latents: Matrix(rows: n, columns: d, values: latents.array),
                         iterations: iteration, changedShares: changedShares)
    }

    /// The latent vector of every row of `data` (`rows x latent`).
    public static func latents(of data: Matrix, by encoder: Network) -> Matrix {
        let workspace = Workspace(network: encoder, capacity: min(max(data.rows, 1), 1_024))
        let buffer = FloatBuffer(count: workspace.capacity * data.columns), out = FloatBuffer(count: data.rows * encoder.latentWidth)
        encodeAll(encoder, data: data, workspace: workspace, buffer: buffer, into: out.pointer)
        return Matrix(rows: data.rows, columns: encoder.latentWidth, values: out.array)
    }

    /// The latent vector of every row of `data` (deterministic: the mean for a variational encoder).
    public static func encodeAll(_ encoder: Network, data: Matrix, workspace: Workspace, buffer: FloatBuffer,
                                 into latents: UnsafeMutablePointer<Float>) {
        let d = encoder.latentWidth, width = data.columns
        data.storage.withUnsafeBufferPointer { source in
            var start = 0
            while start < data.rows {
                let count = min(workspace.capacity, data.rows - start)
                buffer.pointer.update(from: source.baseAddress! + start * width, count: count * width)
                encoder.forward(buffer.pointer, batch: count, workspace: workspace, layerCount: encoder.encoderDepth)
                (latents + start * d).update(from: workspace.latent, count: count * d)
                start += count
            }
        }
    }
}
