import Foundation

// The training-time terms of `Network.forward` and `backward`: the variational sample and its
// KL term, the latent sparsity penalty and dropout. None of them runs when scoring.
extension Network {
    /// Bound on a log-variance |logσ²|: beyond it exp overflows Float on an extreme row and the
    /// loss turns NaN. Past the bound the log-variance counts as the bound and gets no gradient;
    /// `aepg.reconstruct` in SQL clamps alike.
    public static let logVarianceLimit: Float = 20

    /// The log-variance as used: clamped to ±`logVarianceLimit`.
    @inline(__always) static func clampedLogVariance(_ value: Float) -> Float {
        min(max(value, -logVarianceLimit), logVarianceLimit)
    }

    /// dLoss/d(raw log-variance) given dLoss/d(clamped one): zero where the clamp holds.
    @inline(__always) static func logVarianceGradient(_ gradient: Float, raw: Float) -> Float {
        abs(raw) < logVarianceLimit ? gradient : 0
    }

    /// Variational latent: `z = mean + noise · exp(logVariance / 2)`, with standard normal noise
    /// in training and zero noise otherwise; adds `beta · KL` to the penalty in training.
    func sampleLatent(batch: Int, workspace: Workspace, training: Regularization?) -> UnsafeMutablePointer<Float> {
        let l = latentWidth, stats = workspace.outputs[encoderDepth - 1].pointer
        let z = workspace.sample!.pointer, noise = workspace.noise!.pointer
        var kl = 0.0
        for r in 0..<batch {
            let mean = stats + r * 2 * l, logVariance = mean + l
            for j in 0..<l {
                let e: Float = training == nil ? 0 : Float(workspace.random.nextGaussian())
                noise[r * l + j] = e
                z[r * l + j] = mean[j] + e * Foundation.exp(0.5 * Self.clampedLogVariance(logVariance[j]))
            }
            if training != nil { kl += latentKL(row: mean) }
        }
        if let training {
            workspace.penalty += Double(training.beta) * kl / Double(batch * outputWidth)
        }
        return z
    }

    /// KL(N(mean, exp(logVariance)) ‖ N(0, I)) of one row of the variational encoder's output
    /// (`latentWidth` means, then as many log-variances): `-½ Σ (1 + logσ² − μ² − σ²)`.
    func latentKL(row stats: UnsafePointer<Float>) -> Double {
        let l = latentWidth
        var kl = 0.0
        for j in 0..<l {
            let mean = stats[j], logVariance = Self.clampedLogVariance(stats[l + j])
            kl += Double(-0.5 * (1 + logVariance - mean * mean - Foundation.exp(logVariance)))
        }
        return kl
    }

    /// dLoss/dz → dLoss/d(mean) = dz and dLoss/d(logVariance) = dz · noise · exp(logVariance / 2) / 2.
    func splitSampleGradient(batch: Int, workspace: Workspace) {
        let l = latentWidth, stats = workspace.outputs[encoderDepth - 1].pointer
        let dz = workspace.sampleGradient!.pointer, noise = workspace.noise!.pointer
        let d = workspace.deltas[encoderDepth - 1].pointer
        for r in 0..<batch {
            for j in 0..<l {
                let g = dz[r * l + j], logVariance = stats[r * 2 * l + l + j]
                d[r * 2 * l + j] = g
                d[r * 2 * l + l + j] = Self.logVarianceGradient(
                    g * noise[r * l + j] * 0.5 * Foundation.exp(0.5 * Self.clampedLogVariance(logVariance)), raw: logVariance)
            }
        }
    }

    /// Adds the gradients of the latent sparsity penalty and of the KL term to dLoss/d(latent layer output).
    func addLatentPenaltyGradient(_ dy: UnsafeMutablePointer<Float>, batch: Int, workspace: Workspace,
                                  training: Regularization) {
        let l = latentWidth, width = layers[encoderDepth - 1].outputs
        let y = workspace.outputs[encoderDepth - 1].pointer
        if training.latentL1 > 0 {
            let scale = training.latentL1 / Float(batch)
            for r in 0..<batch {
                for j in 0..<l {
                    let v = y[r * width + j]
                    dy[r * width + j] += v > 0 ? scale : (v < 0 ? -scale : 0)
                }
            }
        }
        if variational {
            // KL = -½ Σ (1 + logσ² - μ² - σ²): dKL/dμ = μ, dKL/dlogσ² = (σ² - 1) / 2.
            let scale = training.beta / Float(batch * outputWidth)
            for r in 0..<batch {
                for j in 0..<l {
                    dy[r * width + j] += scale * y[r * width + j]
                    let logVariance = y[r * width + l + j]
                    dy[r * width + l + j] += Self.logVarianceGradient(
                        scale * 0.5 * (Foundation.exp(Self.clampedLogVariance(logVariance)) - 1), raw: logVariance)
                }
            }
        }
    }

    /// Inverted dropout on the output of layer `index`: returns the masked copy to feed forward.
    func drop(layer index: Int, rate: Float, batch: Int, workspace: Workspace) -> UnsafeMutablePointer<Float> {
        let (mask, dropped) = workspace.dropoutBuffers(index)
        let y = workspace.outputs[index].pointer, m = mask.pointer, out = dropped.pointer
        let keep = 1 / (1 - rate)
        for v in 0..<(batch * layers[index].outputs) {
            m[v] = workspace.random.nextUnit() < Double(rate) ? 0 : keep
            out[v] = y[v] * m[v]
        }
        return out
    }
}

extension Network {
    /// A copy of the encoder alone (its own parameters), e.g. for deep embedded clustering to
    /// fine-tune without touching the autoencoder that scores.
    public func encoder() -> Network {
        let encoderLayers = layers[0..<encoderDepth]
        let widths = [inputWidth] + encoderLayers.map(\.outputs).dropLast() + [latentWidth]
        let count = encoderLayers.last!.biasOffset + encoderLayers.last!.outputs
        return Network(widths: widths, activations: encoderLayers.map(\.activation), encoderDepth: encoderDepth,
                       variational: variational,
                       parameterValues: Array(UnsafeBufferPointer(start: parameters.pointer, count: count)))
    }
}
