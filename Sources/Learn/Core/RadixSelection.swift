/// Order statistics by most-significant-digit radix selection: count the values per leading
/// digit (11 bits), keep only those whose digit holds a wanted rank, and go on with the next
/// digit among them. Each level is one branch-free counting pass and one gathering pass, and a
/// level keeps a small share of the values on real data, so a few wanted ranks cost a few passes
/// over the input, where quickselect's partitioning mispredicts a branch per value and per pass.
public enum RadixSelection {
    /// Bits per digit: 2,048 counters, which stay in the first-level cache.
    static let digitBits = 11
    /// Fewer candidates than this are sorted instead of counted.
    static let sortBelow = 256

    /// The values of rank `ranks[i]` (0 is the smallest) among `values`, in the order asked.
    public static func orderStatistics<Value: RadixOrdered>(of values: UnsafeBufferPointer<Value>, ranks: [Int]) -> [Value] {
        precondition(ranks.allSatisfy { values.indices.contains($0) }, "a rank outside the values")
        var keys = [Value.RadixKey](repeating: 0, count: values.count)
        for i in values.indices { keys[i] = values[i].radixKey }
        var found = [Value.RadixKey](repeating: 0, count: ranks.count)
        narrow(&keys, wanted: Array(ranks.enumerated().map { (slot: $0.offset, rank: $0.element) }),
               shift: Value.RadixKey.bitWidth, found: &found)
        return found.map { Value(radixKey: $0) }
    }

    /// Finds the wanted ranks among `keys`, every one of which agrees with the others on the
    /// bits above `shift`.
    private static func narrow<Key: FixedWidthInteger & UnsignedInteger>(
        _ keys: inout [Key], wanted: [(slot: Int, rank: Int)], shift: Int, found: inout [Key]
    ) {
        if shift == 0 {
            for w in wanted { found[w.slot] = keys[0] }  // every key is the same
            return
        }
        if keys.count < sortBelow {
            keys.sort()
            for w in wanted { found[w.slot] = keys[w.rank] }
            return
        }
        let bits = min(digitBits, shift), next = shift - bits
        let mask = Key(truncatingIfNeeded: (1 << bits) - 1)
        var counts = [Int](repeating: 0, count: 1 << bits)
        counts.withUnsafeMutableBufferPointer { counts in
            for key in keys { counts[Int(truncatingIfNeeded: (key >> next) & mask)] += 1 }
        }
        // Which digit each wanted rank falls in, and its rank among the keys with that digit.
        var byDigit: [Int: [(slot: Int, rank: Int)]] = [:]
        for w in wanted {
            var digit = 0, before = 0
            while before + counts[digit] <= w.rank {
                before += counts[digit]
                digit += 1
            }
            byDigit[digit, default: []].append((w.slot, w.rank - before))
        }
        for (digit, ranks) in byDigit.sorted(by: { $0.key < $1.key }) {
            if counts[digit] == keys.count {
                narrow(&keys, wanted: ranks, shift: next, found: &found)  // one digit for all: nothing to drop
                continue
            }
            var kept = [Key]()
            kept.reserveCapacity(counts[digit])
            let wantedDigit = Key(truncatingIfNeeded: digit)
            for key in keys where (key >> next) & mask == wantedDigit { kept.append(key) }
            narrow(&kept, wanted: ranks, shift: next, found: &found)
        }
    }
}
