/// A fixed-size, heap-allocated block of `Float`s with reference semantics.
///
/// Hot loops work on raw pointers: no copy-on-write checks, no exclusivity checks, no
/// allocation per batch. Buffers are allocated once per training run and reused. Storage is
/// padded to a multiple of 8 elements (`paddedCount`, padding initialised like the rest), so
/// 8-lane loops can run to the end without a scalar tail.
public final class FloatBuffer {
    /// Number of elements.
    public let count: Int
    /// Allocated elements: `count` rounded up to a multiple of 8.
    public let paddedCount: Int
    /// Start of the storage; valid for the buffer's lifetime.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` elements set to `value`.
    public init(count: Int, repeating value: Float = 0) {
        self.count = count
        paddedCount = max((count + 7) & ~7, 8)
        pointer = .allocate(capacity: paddedCount)
        pointer.initialize(repeating: value, count: paddedCount)
    }

    /// Allocates a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    /// The elements as an array (a copy).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// Copies all elements from `other`, which must have the same count.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: size mismatch")
        pointer.update(from: other.pointer, count: count)
    }

    /// Element access (bounds-checked in debug builds only).
    public subscript(index: Int) -> Float {
        get { assert(index >= 0 && index < count); return pointer[index] }
        set { assert(index >= 0 && index < count); pointer[index] = newValue }
    }
}
