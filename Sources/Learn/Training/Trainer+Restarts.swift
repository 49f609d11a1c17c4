extension Trainer {
    /// `fit`, except that a loss turning NaN or infinite starts training again from the initial
    /// weights at a quarter of the learning rate, up to `retries` times (`restarted` hears of
    /// each, with the new rate); the last failure is thrown. An ensemble uses it so that one
    /// member's bad luck does not fail the whole version.
    public static func fitRestarting(_ network: Network, data: Matrix, rows: [Int]? = nil, settings: TrainingSettings, retries: Int,
                                     restarted: (TrainingError, Float) -> Void = { _, _ in },
                                     progress: (EpochReport) -> Void = { _ in }) throws -> TrainingHistory {
        let initial = FloatBuffer(count: network.parameters.count)
        initial.copy(from: network.parameters)
        var settings = settings, attempt = 0
        while true {
            do {
                return try fit(network, data: data, rows: rows, settings: settings, progress: progress)
            } catch let error as TrainingError {
                guard case .nonFinite = error, attempt < retries else { throw error }
                network.parameters.copy(from: initial)
                settings.optimizer.learningRate /= 4
                attempt += 1
                restarted(error, settings.optimizer.learningRate)
            }
        }
    }
}
