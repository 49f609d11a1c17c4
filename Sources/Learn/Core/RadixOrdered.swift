/// A floating-point type whose values map onto unsigned integers of the same width in the same
/// order (`radixKey`), so that order statistics can be found digit by digit.
public protocol RadixOrdered: BinaryFloatingPoint {
    associatedtype RadixKey: FixedWidthInteger & UnsignedInteger
    /// An integer that orders as the value does (NaN excepted; -0 comes just before +0).
    var radixKey: RadixKey { get }
    /// The value of a key made by `radixKey`.
    init(radixKey: RadixKey)
}

extension Float: RadixOrdered {
    /// Positive values get the sign bit set, negative ones every bit flipped: then larger
    /// values have larger keys.
    @inline(__always)
    public var radixKey: UInt32 { bitPattern & 0x8000_0000 == 0 ? bitPattern | 0x8000_0000 : ~bitPattern }

    @inline(__always)
    public init(radixKey: UInt32) { self.init(bitPattern: radixKey & 0x8000_0000 != 0 ? radixKey & 0x7FFF_FFFF : ~radixKey) }
}

extension Double: RadixOrdered {
    @inline(__always)
    public var radixKey: UInt64 { bitPattern & (1 << 63) == 0 ? bitPattern | (1 << 63) : ~bitPattern }

    @inline(__always)
    public init(radixKey: UInt64) { self.init(bitPattern: radixKey & (1 << 63) != 0 ? radixKey & ~(1 << 63) : ~radixKey) }
}
