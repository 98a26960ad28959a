import Glibc
import LaminaSystem
import Synchronization

/// The work directory: where copy-ups and whiteouts are built before a rename puts them in the
/// upper layer in one step, so a crash never leaves a partial file visible.
///
/// Temporary names come from a counter (`#lamina.PID.N`): they never depend on the final name, so a
/// 255-byte name is built as easily as a short one.
///
/// Thread safety: the name counter is atomic; each temporary name is used by one operation.
/// `sharedWhiteout` (Mutex) protects the state of the shared whiteout inode
/// (`WorkDirectory+Whiteout.swift`); it is a leaf lock.
final class WorkDirectory: Sendable {
    static let namePrefix: FileName = "#lamina."
    let descriptor: FileDescriptor
    private let counter = Atomic<UInt64>(0)
    private let processID = getpid()
    let sharedWhiteout = Mutex(SharedWhiteout.absent)

    /// `descriptor` stays owned by the `LayerStack`.
    init(descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// A fresh name for a temporary entry.
    func temporaryName() -> FileName {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        // Always a valid name (ASCII, about 30 bytes); the fallback is never taken.
        return FileName("#lamina.\(processID).\(number)") ?? Self.namePrefix
    }

    /// Removes what earlier mounts left behind (an interrupted copy-up, a removed directory not yet
    /// emptied).
    func removeLeftovers() throws {
        let listing = try descriptor.open(".", flags: O_RDONLY | O_DIRECTORY)
        defer { listing.close() }
        for record in try listing.directoryRecords() where record.name.hasPrefix(Self.namePrefix) {
            try removeTree(record.name)
        }
    }

    /// Removes a temporary entry (a directory with whatever it holds).
    func removeTree(_ name: FileName) throws {
        try Self.removeTree(in: descriptor, name)
    }

    /// Removes `name` under `directory`, recursively when it is a directory (each level through its
    /// own descriptor, so no depth is too deep and no symlink is followed).
    static func removeTree(in directory: FileDescriptor, _ name: FileName) throws {
        guard let status = try directory.statusIfPresent(of: name) else { return }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            try directory.unlink(name)
            return
        }
        let child = try directory.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { child.close() }
        for record in try child.directoryRecords() {
            try removeTree(in: child, record.name)
        }
        try directory.removeDirectory(name)
    }
}
