import Dispatch
import Foundation

/// SIGINT/SIGTERM handling through dispatch sources (no work in a signal handler).
enum Signals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func onTerminate(_ action: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                FileHandle.standardError.write(Data("vigie: stopping after the work in flight\n".utf8))
                action()
            }
            src.resume()
            sources.append(src)
        }
    }
}
