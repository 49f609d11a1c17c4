/// A value lent to another thread whose use the two threads order themselves (one waits for the
/// other through a lock), which the compiler cannot check: the one place such a promise is made.
struct Handover<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}
