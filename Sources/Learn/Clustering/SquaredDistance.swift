/// ‖a − b‖² of two points of `dimensions` coordinates: the one distance k-means and deep
/// embedded clustering measure.
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimensions d: Int) -> Float {
    var sum: Float = 0
    for t in 0..<d {
        let diff = a[t] - b[t]
        sum += diff * diff
    }
    return sum
}
