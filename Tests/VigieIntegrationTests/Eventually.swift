import Foundation

/// Polls `condition` until it holds or `timeout` seconds pass; true if it held. The one way tests wait for state that
/// another process or thread writes (sink dumps, the store, a server's transcript): never a fixed sleep before reading.
func eventually(timeout: Double = 30, every interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}
