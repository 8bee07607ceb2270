import Foundation

/// The hand-off between an intake pass's two threads: the one owning the IMAP session (fetch, then \Seen/move once a
/// batch is committed) and the one storing and parsing. Batches are stored in the order they were fetched; the
/// fetching side never runs more than one batch ahead of the last commit, so at most three batches are in memory.
final class IntakePipeline<Job: Sendable, Committed: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    // Everything below is read and written with `condition` locked.
    private var queue: [(seq: Int, job: Job)] = []
    private var submitted = 0
    private var committed: [Int: Committed] = [:]
    private var closed = false
    private var failure: (any Error)?
    private var finished = false

    /// Hands a job to the storing thread; throws the storing thread's failure instead, if it failed.
    func submit(_ job: Job) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        let seq = submitted
        submitted += 1
        queue.append((seq, job))
        condition.broadcast()
        return seq
    }

    /// Waits until job `seq` is committed and returns what its commit yielded; throws if the storing thread failed
    /// before committing it.
    func waitCommitted(_ seq: Int) throws -> Committed {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let c = committed.removeValue(forKey: seq) { return c }
            if let failure { throw failure }
            if finished { throw CancellationError() }
            condition.wait()
        }
    }

    /// No more jobs: the storing thread returns once the queue is empty.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Storing side: the next job, or nil once closed and drained (or after a failure).
    func next() -> (seq: Int, job: Job)? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed && failure == nil { condition.wait() }
        guard failure == nil, !queue.isEmpty else { return nil }
        return queue.removeFirst()
    }

    /// Storing side: job `seq` is committed.
    func didCommit(_ seq: Int, _ value: Committed) {
        condition.lock()
        committed[seq] = value
        condition.broadcast()
        condition.unlock()
    }

    /// Storing side: it stopped on `error`; no job after it is stored.
    func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// Storing side: it returned.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The storing thread's failure, if any.
    var error: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }
}
