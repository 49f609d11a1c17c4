/// A fixed-size, heap-allocated block of `Float`s with reference semantics.
///
/// Hot loops work on raw pointers: no copy-on-write checks, no exclusivity checks, no
/// allocation per batch. Buffers are allocated once per training run and reused.
public final class FloatBuffer {
    /// Number of elements.
    public let count: Int
    /// Start of the storage; valid for the buffer's lifetime.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` elements set to `value`.
    public init(count: Int, repeating value: Float = 0) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
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
