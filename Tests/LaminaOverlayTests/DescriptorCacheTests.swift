import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// The descriptor cache keeps at most its ceiling open, never closes one in use, and reopens on demand.
struct DescriptorCacheTests {
    @Test func ceilingHoldsAndSlotsReopen() throws {
        let cache = DescriptorCache(ceiling: 16)
        let slots = (0..<64).map { _ in CachedDescriptor() }
        var opens = 0
        for slot in slots {
            try cache.withDescriptor(slot, open: {
                opens += 1
                return try FileDescriptor.open("/", flags: O_RDONLY | O_DIRECTORY)
            }) { descriptor in #expect(descriptor.rawValue >= 0) }
            #expect(cache.openCount <= 17)
        }
        #expect(opens == 64)
        // The first slots were closed to make room: using them opens again.
        try cache.withDescriptor(slots[0], open: {
            opens += 1
            return try FileDescriptor.open("/", flags: O_RDONLY | O_DIRECTORY)
        }) { _ in }
        #expect(opens == 65)
        cache.closeIdle()
        #expect(cache.openCount == 0)
    }

    @Test func aDescriptorInUseIsNeverClosed() throws {
        let cache = DescriptorCache(ceiling: 16)
        let held = CachedDescriptor()
        try cache.withDescriptor(held, open: { try FileDescriptor.open("/", flags: O_RDONLY | O_DIRECTORY) }) { descriptor in
            for _ in 0..<100 {
                try cache.withDescriptor(CachedDescriptor(), open: { try FileDescriptor.open("/", flags: O_RDONLY | O_DIRECTORY) }) { _ in }
            }
            // Still the same open directory: fstat works and it is "/".
            #expect(try descriptor.status().st_ino == (try PosixCall.stat("/").st_ino))
        }
    }
}
