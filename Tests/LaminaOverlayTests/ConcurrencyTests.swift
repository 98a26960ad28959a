import Dispatch
import Glibc
import Synchronization
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct ConcurrencyTests {
    /// Many threads create, look up, copy up, rename and remove in shared directories at once; the
    /// merged view must end exactly as the sequence of operations says, and match a fresh mount.
    @Test func parallelWritersInSharedDirectories() throws {
        let fixture = try LayerFixture(lowers: 2)
        for index in 0..<64 { try fixture.file("l1/shared/lower\(index)", "\(index)") }
        try fixture.directory("l0/shared")
        let before = try fixture.snapshot("l1")
        let overlay = try fixture.overlay()
        let shared = try overlay.node("shared")
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            do {
                let (_, file) = try overlay.create(parent: shared, name: "new\(index)", mode: 0o644, flags: O_WRONLY,
                                                   caller: rootCaller)
                overlay.release(file.handle)
                try overlay.write("shared/lower\(index)", "changed\(index)")
                try overlay.rename(parent: shared, name: "new\(index)", newParent: shared, newName: "moved\(index)", flags: [])
                if index % 2 == 0 { try overlay.removeFile(parent: shared, name: "lower\(index)") }
            } catch {
                failures.add()
            }
        }
        #expect(failures.value == 0)
        let expected = (0..<64).flatMap { index in
            index % 2 == 0 ? ["moved\(index)"] : ["moved\(index)", "lower\(index)"]
        }.sorted()
        #expect(try overlay.names("shared") == expected)
        #expect(try fixture.overlay().names("shared") == expected)
        #expect(try overlay.read("shared/lower1") == "changed1")
        #expect(try fixture.snapshot("l1") == before)
    }
}

/// A counter safe to bump from many threads.
final class FailureCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
