/// Elementwise math on 8-lane vectors, for activations over whole batches.
///
/// libm's scalar `expf` costs more than everything else in a sigmoid layer of a small network;
/// these vector versions process eight values per step. They are tested against Foundation's
/// functions (`VectorMathTests`): relative error under 3e-7 for `exp`.
public enum VectorMath {
    /// e^x (Cephes `expf`: x = n·ln 2 + r, a degree-6 polynomial in r, scaled by 2^n).
    /// Inputs below -87.3 (and NaN) give 0-ish (2^-126); from 88.7 up, infinity (the last scaling
    /// step overflows), which a sigmoid turns into 1 and 0 as it should.
    @inline(__always)
    public static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        // Clamped by comparisons and blends: the standard library's pointwiseMin and pointwiseMax
        // on SIMD8 went lane by lane through a call each. As with them (IEEE maxNum), NaN becomes
        // the lower bound: it fails `>=`.
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.7)
        let x = input.replacing(with: low, where: .!(input .>= low)).replacing(with: high, where: input .> high)
        // n = round(x / ln 2) by the magic-number trick: adding 1.5·2^23 leaves n in the low
        // mantissa bits. (SIMD rounding and Float→Int conversions do not vectorise here.)
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * r * r + r + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000  // = n
        return y * unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// Applies `body` to `count` values in place, eight at a time; the tail goes through a
    /// zero-padded vector, so every value takes the same code path.
    @inline(__always)
    public static func map(_ values: UnsafeMutablePointer<Float>, count: Int, _ body: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(values + i)
            raw.storeBytes(of: body(raw.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0)
            for j in 0..<(count - i) { tail[j] = values[i + j] }
            tail = body(tail)
            for j in 0..<(count - i) { values[i + j] = tail[j] }
        }
    }

    /// `values[i] = body(values[i], other[i])` for `count` elements, eight at a time, with the
    /// same zero-padded tail as `map`.
    @inline(__always)
    public static func update(_ values: UnsafeMutablePointer<Float>, with other: UnsafePointer<Float>, count: Int,
                              _ body: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(values + i)
            let result = body(raw.loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(other + i).loadUnaligned(as: SIMD8<Float>.self))
            raw.storeBytes(of: result, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
            for j in 0..<(count - i) { a[j] = values[i + j]; b[j] = other[i + j] }
            a = body(a, b)
            for j in 0..<(count - i) { values[i + j] = a[j] }
        }
    }
}
