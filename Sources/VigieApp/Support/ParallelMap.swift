import Foundation

/// Results written by index from concurrentPerform workers; each index is written by exactly one worker.
private final class Slots<T>: @unchecked Sendable {
    var values: [T?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
}

extension Array where Element: Sendable {
    /// Maps on all cores; order preserved. For CPU-bound pure work only (parsing), never for blocking I/O.
    func parallelMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        if count < 16 { return map(transform) }
        let slots = Slots<T>(count: count)
        let input = self
        slots.values.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: input.count) { i in
                out[i] = transform(input[i])
            }
        }
        return slots.values.map { $0! }
    }
}
