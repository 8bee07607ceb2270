import Dispatch
import Foundation

/// SIGINT/SIGTERM handling through dispatch sources (no work in a signal handler).
enum Signals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let received = NSLock()
    nonisolated(unsafe) private static var receivedSignal: Int32 = 0

    static func onTerminate(_ action: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                received.withLock { if receivedSignal == 0 { receivedSignal = sig } }
                FileHandle.standardError.write(Data("vigie: stopping after the work in flight\n".utf8))
                action()
            }
            src.resume()
            sources.append(src)
        }
    }

    /// The shell's status for a process ended by a signal, 128 + its number (130 for SIGINT, 143 for SIGTERM), once
    /// one of them asked the command to stop; nil before.
    static var exitStatus: Int32? {
        received.withLock { receivedSignal == 0 ? nil : 128 + receivedSignal }
    }
}
