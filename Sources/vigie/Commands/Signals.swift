import Dispatch
import Foundation
import Synchronization
import VigieApp

/// SIGINT/SIGTERM handling through dispatch sources (no work in a signal handler).
enum Signals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    /// The first stopping signal received.
    private static let received = LockedSignal()

    /// Runs `action` on the first SIGINT/SIGTERM (and any later one); `announce` writes the plain line saying so
    /// (serve logs it instead, so that a JSON log stays JSON).
    static func onTerminate(announce: Bool = true, _ action: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                received.record(sig)
                if announce { FileHandle.standardError.write(Data("vigie: stopping after the work in flight\n".utf8)) }
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

    /// The shell's status for a process ended by a signal, 128 + its number (130 for SIGINT, 143 for SIGTERM), once
    /// one of them asked the command to stop; nil before.
    static var exitStatus: Int32? {
        received.first.map { 128 + $0 }
    }
}

/// The first signal number recorded, kept inside its lock (`Mutex`, as swift-nio's NIOLockedValueBox).
private final class LockedSignal: Sendable {
    private let signal = Mutex<Int32?>(nil)

    func record(_ number: Int32) { signal.withLock { if $0 == nil { $0 = number } } }

    var first: Int32? { signal.withLock { $0 } }
}
