import Dispatch
import Foundation
import VigieApp

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

    /// For a job that is safe to interrupt anywhere (each step one transaction): SIGINT/SIGTERM release the job's
    /// leases, so the next runner need not wait, and exit at once with 128 + the signal.
    static func exitReleasingLeases() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                JobLease.releaseAll()
                exit(128 + sig)
            }
            src.resume()
            sources.append(src)
        }
    }
}
