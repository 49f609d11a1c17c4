/// A stable least-significant-digit radix sort of unsigned keys, 11 bits a pass, moving a payload
/// along: a fixed number of branch-free passes where a comparison sort of 285k scores took
/// 30–45 ms (evaluating a training against its label sorts every row's score).
public enum RadixSort {
    /// Sorts `keys` ascending, and `payload` (as many values) in the same order; equal keys keep
    /// their order. A pass whose digit is the same for every key is skipped.
    public static func sort<Key: FixedWidthInteger & UnsignedInteger, Payload>(_ keys: inout [Key], carrying payload: inout [Payload]) {
        precondition(keys.count == payload.count, "a payload value per key")
        let n = keys.count
        guard n > 1 else { return }
        let bits = RadixSelection.digitBits, mask = Key(truncatingIfNeeded: (1 << bits) - 1)
        var otherKeys = keys, otherPayload = payload
        var counts = [Int](repeating: 0, count: 1 << bits)
        var shift = 0
        while shift < Key.bitWidth {
            defer { shift += bits }
            for d in counts.indices { counts[d] = 0 }
            keys.withUnsafeBufferPointer { keys in
                counts.withUnsafeMutableBufferPointer { counts in
                    for key in keys { counts[Int(truncatingIfNeeded: (key >> shift) & mask)] += 1 }
                }
            }
            if counts.contains(n) { continue }
            var start = 0
            for d in counts.indices { (counts[d], start) = (start, start + counts[d]) }
            keys.withUnsafeBufferPointer { keys in
                payload.withUnsafeBufferPointer { payload in
                    otherKeys.withUnsafeMutableBufferPointer { outKeys in
                        otherPayload.withUnsafeMutableBufferPointer { outPayload in
                            counts.withUnsafeMutableBufferPointer { next in
                                for i in 0..<n {
                                    let d = Int(truncatingIfNeeded: (keys[i] >> shift) & mask)
                                    outKeys[next[d]] = keys[i]
                                    outPayload[next[d]] = payload[i]
                                    next[d] += 1
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &otherKeys)
            swap(&payload, &otherPayload)
        }
    }
}
