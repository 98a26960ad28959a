import CFuseTransport
import Glibc
import Testing

/// The transport's adaptive polling (`lamina_spin_*`), on a pipe standing in for /dev/fuse: it
/// polls only while requests come densely, stops after a poll that runs out, and never spins on
/// an idle mount. (Whether it pays is measured in docs/performance.md, not here.)
@Suite struct RequestSpinTests {
    /// A pipe whose read end is "the device"; `signal()` makes a request ready.
    final class Device {
        let read: Int32
        let write: Int32
        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw SpinTestError.pipe(errno) }
            read = ends[0]
            write = ends[1]
        }
        func signal() { var byte: UInt8 = 1; _ = Glibc.write(write, &byte, 1) }
        deinit { close(read); close(write) }
    }

    enum SpinTestError: Error { case pipe(Int32), outOfMemory }

    static func spin(budgetMicroseconds: UInt32) throws -> OpaquePointer {
        guard let spin = lamina_spin_create(budgetMicroseconds) else { throw SpinTestError.outOfMemory }
        return spin
    }

    /// A 200 ms spin that has just seen a reply and then a request: dense, so it polls.
    static func denseSpin() throws -> OpaquePointer {
        let spin = try Self.spin(budgetMicroseconds: 200_000)
        lamina_spin_note_reply(spin)
        lamina_spin_note_request(spin)
        #expect(lamina_spin_wanted(spin) == 1)
        return spin
    }

    @Test func offIsNullAndEveryCallAcceptsIt() {
        let spin = lamina_spin_create(0)
        #expect(spin == nil)
        lamina_spin_note_reply(spin)
        lamina_spin_note_request(spin)
        lamina_spin_await(spin, -1)
        #expect(lamina_spin_wanted(spin) == 0)
    }

    @Test func aFreshMountDoesNotPoll() throws {
        let spin = try Self.spin(budgetMicroseconds: 200_000)
        defer { lamina_spin_destroy(spin) }
        let device = try Device()
        #expect(lamina_spin_wanted(spin) == 0)
        // No request has come yet: the first receive sleeps in the kernel at once.
        lamina_spin_await(spin, device.read)
        #expect(lamina_spin_hits(spin) == 0 && lamina_spin_misses(spin) == 0)
        // A first request with no reply before it is not dense either.
        lamina_spin_note_request(spin)
        #expect(lamina_spin_wanted(spin) == 0)
    }

    @Test func denseRequestsPollAndFindTheNextOne() throws {
        let spin = try Self.denseSpin()
        defer { lamina_spin_destroy(spin) }
        let device = try Device()
        device.signal()
        lamina_spin_await(spin, device.read)
        #expect(lamina_spin_hits(spin) == 1 && lamina_spin_misses(spin) == 0)
        #expect(lamina_spin_wanted(spin) == 1)
    }

    @Test func aPollThatRunsOutStopsPolling() throws {
        let spin = try Self.denseSpin()
        defer { lamina_spin_destroy(spin) }
        let device = try Device()
        // Nothing comes: the poll spends its budget once, and the next receive sleeps at once.
        lamina_spin_await(spin, device.read)
        #expect(lamina_spin_misses(spin) == 1 && lamina_spin_hits(spin) == 0)
        #expect(lamina_spin_wanted(spin) == 0)
        lamina_spin_await(spin, device.read)
        #expect(lamina_spin_misses(spin) == 1)
    }

    @Test func aRequestLongAfterTheLastReplyIsSparse() throws {
        let spin = try Self.spin(budgetMicroseconds: 1_000)
        defer { lamina_spin_destroy(spin) }
        lamina_spin_note_reply(spin)
        usleep(20_000)
        lamina_spin_note_request(spin)
        #expect(lamina_spin_wanted(spin) == 0)
    }
}
