import Foundation
import Synchronization
import Testing

@testable import VigieApp

/// Group commit: requests arriving while a commit runs share the next one; each caller gets its own response, only
/// once its request is committed.
@Suite struct GroupCommitTests {
    /// Records each batch the commit function receives; the first commit blocks until released.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        let inCommit = Atomic<Bool>(false)
        let overlapped = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        let holdFirst: Bool

        init(holdFirst: Bool) { self.holdFirst = holdFirst }

        func commit(_ batch: [Int]) throws -> [Int] {
            if inCommit.exchange(true, ordering: .acquiringAndReleasing) { overlapped.store(true, ordering: .relaxed) }
            defer { inCommit.store(false, ordering: .releasing) }
            let first = batches.withLock { b -> Bool in
                b.append(batch)
                return b.count == 1
            }
            if first && holdFirst { release.wait() }
            if batch.contains(-1) { throw CommitFailed() }
            return batch.map { $0 * 10 }
        }
    }

    struct CommitFailed: Error {}

    /// Each request's response (-999 for an error), shared by the submitting threads.
    final class Results: Sendable {
        let map = Mutex<[Int: Int]>([:])
        var all: [Int: Int] { map.withLock { $0 } }
        func set(_ key: Int, _ value: Int) { map.withLock { $0[key] = value } }
    }

    /// Polls `condition` (no timed assertion: the test fails on the expectation that follows, not on the clock).
    static func poll(_ condition: () -> Bool) {
        for _ in 0..<5000 where !condition() { usleep(1000) }
    }

    static func submitOnThread(_ group: GroupCommit<Int, Int>, _ value: Int, into results: Results) -> DispatchGroup {
        let done = DispatchGroup()
        done.enter()
        Thread {
            let r = (try? group.submit(value)) ?? -999
            results.set(value, r)
            done.leave()
        }.start()
        return done
    }

    @Test func requestsArrivingDuringACommitShareTheNextOne() throws {
        let recorder = Recorder(holdFirst: true)
        let group = GroupCommit<Int, Int> { try recorder.commit($0) }
        let results = Results()
        let first = Self.submitOnThread(group, 1, into: results)
        Self.poll { recorder.batches.withLock { $0.count } == 1 }
        let others = [2, 3, 4].map { Self.submitOnThread(group, $0, into: results) }
        Self.poll { group.waitingCount == 3 }
        #expect(group.waitingCount == 3)
        recorder.release.signal()
        first.wait()
        for o in others { o.wait() }
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.count == 2)
        #expect(batches.first == [1])
        #expect(Set(batches.last ?? []) == [2, 3, 4])
        #expect(results.all == [1: 10, 2: 20, 3: 30, 4: 40])
        #expect(group.counts.commits == 2 && group.counts.requests == 4)
        let overlapped = recorder.overlapped.load(ordering: .relaxed)
        #expect(!overlapped)
    }

    @Test func everyCallerGetsItsOwnResponseUnderContention() throws {
        let recorder = Recorder(holdFirst: false)
        let group = GroupCommit<Int, Int> { try recorder.commit($0) }
        let results = Results()
        let threads = (0..<8).map { t in
            let done = DispatchGroup()
            done.enter()
            Thread {
                for i in 0..<300 {
                    let v = t * 1000 + i
                    let r = try? group.submit(v)
                    results.set(v, r ?? -999)
                }
                done.leave()
            }.start()
            return done
        }
        for t in threads { t.wait() }
        let all = results.all
        #expect(all.count == 2400)
        #expect(all.allSatisfy { $0.value == $0.key * 10 })
        let committed = recorder.batches.withLock { $0 }.flatMap { $0 }
        #expect(committed.count == 2400 && Set(committed).count == 2400, "a request committed twice or never")
        let overlapped = recorder.overlapped.load(ordering: .relaxed)
        #expect(!overlapped, "two commits ran at once")
    }

    @Test func aFailedCommitFailsEveryRequestItCarriedAndTheNextOneWorks() throws {
        let recorder = Recorder(holdFirst: true)
        let group = GroupCommit<Int, Int> { try recorder.commit($0) }
        let results = Results()
        let first = Self.submitOnThread(group, 1, into: results)
        Self.poll { recorder.batches.withLock { $0.count } == 1 }
        let others = [-1, 5].map { Self.submitOnThread(group, $0, into: results) }
        Self.poll { group.waitingCount == 2 }
        recorder.release.signal()
        first.wait()
        for o in others { o.wait() }
        #expect(results.all == [1: 10, -1: -999, 5: -999])
        #expect(try group.submit(7) == 70)
    }
}
