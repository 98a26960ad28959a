import Glibc
import LaminaSystem

/// One step of the differential fuzz test: a file system call (or a short fixed sequence of them)
/// on paths relative to a mount's root, played on every mount of a run.
///
/// Thread safety: an immutable value.
enum FuzzOperation: Sendable, CustomStringConvertible {
    case create(BytePath, exclusive: Bool, mode: mode_t)
    case write(BytePath, offset: Int, data: FuzzData, creating: Bool)
    case read(BytePath)
    case truncate(BytePath, size: Int)
    case rename(BytePath, BytePath, flags: FuzzRenameFlag)
    case link(BytePath, BytePath)
    case unlink(BytePath)
    case removeDirectory(BytePath)
    case makeDirectory(BytePath, mode: mode_t)
    case changeMode(BytePath, mode: mode_t)
    case setAttribute(BytePath, name: String, value: [UInt8])
    case removeAttribute(BytePath, name: String)
    case symlink(target: [UInt8], BytePath)
    /// open O_RDWR, unlink the name, then write at `offset` and read everything back through the
    /// descriptor, and fstat it.
    case openUnlinkWrite(BytePath, offset: Int, data: FuzzData)
    /// open O_RDWR, rename the name, write at 0 through the descriptor, then read the new name.
    case openRenameWrite(BytePath, BytePath, data: FuzzData)
    /// open a directory, rename it, create `name` through the open descriptor, then lstat it under
    /// the directory's new name.
    case openDirectoryRenameCreate(BytePath, BytePath, name: [UInt8])
    case status(BytePath)
    case list(BytePath)
    case readLink(BytePath)

    var description: String {
        func octal(_ mode: mode_t) -> String { "0" + String(mode, radix: 8) }
        return switch self {
        case .create(let path, let exclusive, let mode): "create \(path) \(octal(mode))\(exclusive ? " O_EXCL" : "")"
        case .write(let path, let offset, let data, let creating):
            "write \(path) @\(offset) \(data)\(creating ? " O_CREAT" : "")"
        case .read(let path): "read \(path)"
        case .truncate(let path, let size): "truncate \(path) \(size)"
        case .rename(let from, let to, let flag): "rename \(from) -> \(to)\(flag.rawValue)"
        case .link(let from, let to): "link \(from) -> \(to)"
        case .unlink(let path): "unlink \(path)"
        case .removeDirectory(let path): "rmdir \(path)"
        case .makeDirectory(let path, let mode): "mkdir \(path) \(octal(mode))"
        case .changeMode(let path, let mode): "chmod \(path) \(octal(mode))"
        case .setAttribute(let path, let name, let value): "setxattr \(path) \(name)=\(ByteText.display(value))"
        case .removeAttribute(let path, let name): "removexattr \(path) \(name)"
        case .symlink(let target, let path): "symlink \(path) -> \(BytePath.escaped(target))"
        case .openUnlinkWrite(let path, let offset, let data): "open-unlink-write \(path) @\(offset) \(data)"
        case .openRenameWrite(let from, let to, let data): "open-rename-write \(from) -> \(to) \(data)"
        case .openDirectoryRenameCreate(let from, let to, let name):
            "opendir-rename-create \(from) -> \(to), then \(BytePath.escaped(name))"
        case .status(let path): "lstat \(path)"
        case .list(let path): "readdir \(path)"
        case .readLink(let path): "readlink \(path)"
        }
    }

    /// Plays the operation under `root` and says what happened.
    func play(in root: FileDescriptor) -> FuzzOutcome {
        do throws(SystemError) {
            return .done(try perform(in: root))
        } catch {
            return .failed(error.operation, error.errno)
        }
    }

    private func perform(in root: FileDescriptor) throws(SystemError) -> String {
        switch self {
        case .create(let path, let exclusive, let mode):
            try root.open(path, flags: O_WRONLY | O_CREAT | (exclusive ? O_EXCL : 0), mode: mode).close()
            return "created"
        case .write(let path, let offset, let data, let creating):
            let file = try root.open(path, flags: O_WRONLY | (creating ? O_CREAT : 0), mode: 0o644)
            defer { file.close() }
            try file.write(data.bytes, at: off_t(offset))
            return "wrote \(data.count) bytes, size \(try file.status().st_size)"
        case .read(let path):
            let file = try root.open(path, flags: O_RDONLY)
            defer { file.close() }
            return "read \(Content(try TreeSnapshot.readAll(file)))"
        case .truncate(let path, let size):
            let file = try root.open(path, flags: O_WRONLY)
            defer { file.close() }
            try file.truncate(to: off_t(size))
            return "truncated"
        case .rename(let from, let to, let flag):
            try root.rename(from, to: root, to, flags: flag.options)
            return "renamed"
        case .link(let from, let to):
            try root.link(from, to: root, to)
            return "linked, \(Self.brief(try root.status(of: to)))"
        case .unlink(let path):
            try root.unlink(path)
            return "unlinked"
        case .removeDirectory(let path):
            try root.removeDirectory(path)
            return "removed"
        case .makeDirectory(let path, let mode):
            try root.makeDirectory(path, mode: mode)
            return "made"
        case .changeMode(let path, let mode):
            try root.setMode(mode, of: path)
            return "mode set"
        case .setAttribute(let path, let name, let value):
            try root.setExtendedAttribute(name, value: value, of: path)
            return "set"
        case .removeAttribute(let path, let name):
            try root.removeExtendedAttribute(name, of: path)
            return "removed"
        case .symlink(let target, let path):
            try root.makeSymbolicLink(path, target: target)
            return "made"
        case .openUnlinkWrite(let path, let offset, let data):
            let file = try root.open(path, flags: O_RDWR)
            defer { file.close() }
            let before = try TreeSnapshot.readAll(file)
            try root.unlink(path)
            try file.write(data.bytes, at: off_t(offset))
            let after = try TreeSnapshot.readAll(file)
            let info = try file.status()
            return "before \(Content(before)), after \(Content(after)), size \(info.st_size), links \(info.st_nlink)"
        case .openRenameWrite(let from, let to, let data):
            let file = try root.open(from, flags: O_RDWR)
            defer { file.close() }
            try root.rename(from, to: root, to)
            try file.write(data.bytes, at: 0)
            let renamed = try root.open(to, flags: O_RDONLY)
            defer { renamed.close() }
            return "read \(Content(try TreeSnapshot.readAll(renamed)))"
        case .openDirectoryRenameCreate(let from, let to, let name):
            let directory = try root.open(from, flags: O_RDONLY | O_DIRECTORY)
            defer { directory.close() }
            try root.rename(from, to: root, to)
            try directory.open(BytePath([name]), flags: O_WRONLY | O_CREAT, mode: 0o644).close()
            return Self.brief(try root.status(of: to.appending(name)))
        case .status(let path):
            return Self.brief(try root.status(of: path))
        case .list(let path):
            let directory = try root.open(path, flags: O_RDONLY | O_DIRECTORY)
            defer { directory.close() }
            let names = try directory.directoryRecords().map { BytePath.escaped($0.name.bytes) }
            return "[" + names.sorted().joined(separator: ", ") + "]"
        case .readLink(let path):
            return BytePath.escaped(try root.readSymbolicLink(path))
        }
    }

    /// Type and mode; size and link count for non-directories (a merged directory's size and link
    /// count are the file system's bookkeeping, see `ComparisonPolicy`).
    private static func brief(_ info: stat) -> String {
        let mode = "0" + String(info.st_mode & 0o7777, radix: 8)
        if info.st_mode & S_IFMT == S_IFDIR { return "directory \(mode)" }
        let kind = info.st_mode & S_IFMT == S_IFLNK ? "symlink" : info.st_mode & S_IFMT == S_IFREG ? "file" : "other"
        return "\(kind) \(mode) size \(info.st_size) links \(info.st_nlink)"
    }
}

/// A rename's flag.
enum FuzzRenameFlag: String, Sendable {
    case none = "", noReplace = " NOREPLACE", exchange = " EXCHANGE"

    var options: RenameOptions {
        switch self {
        case .none: []
        case .noReplace: .noReplace
        case .exchange: .exchange
        }
    }
}

/// What one operation did: its result line, or the call that failed and its errno.
enum FuzzOutcome: Equatable, Sendable, CustomStringConvertible {
    case done(String)
    case failed(String, Int32)

    /// The outcome with every reported link count (`links N`) written as `links ?`.
    var ignoringLinkCounts: FuzzOutcome {
        guard case .done(let text) = self else { return self }
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let masked = words.indices.map { index in
            index > 0 && words[index - 1] == "links" ? "?" + words[index].drop { $0.isNumber } : String(words[index])
        }
        return .done(masked.joined(separator: " "))
    }

    var description: String {
        switch self {
        case .done(let text): text
        case .failed(let call, let code): "\(call): \(ErrnoName.of(code))"
        }
    }
}

/// Data a step writes, described by a fill byte and a length so a step list stays readable.
struct FuzzData: Sendable, CustomStringConvertible {
    var fill: UInt8
    var count: Int

    var bytes: [UInt8] { (0..<count).map { fill &+ UInt8(truncatingIfNeeded: $0 % 7) } }
    var description: String { "\(count)x\(String(fill, radix: 16))" }
}

/// errno names for messages and histograms.
enum ErrnoName {
    static func of(_ code: Int32) -> String {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF", EACCES: "EACCES",
            EBUSY: "EBUSY", EEXIST: "EEXIST", EXDEV: "EXDEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR",
            EINVAL: "EINVAL", EMFILE: "EMFILE", ENFILE: "ENFILE", ENOSPC: "ENOSPC", EROFS: "EROFS",
            EMLINK: "EMLINK", ENAMETOOLONG: "ENAMETOOLONG", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP",
            ENODATA: "ENODATA", ENOTSUP: "ENOTSUP", ENOTCONN: "ENOTCONN", ESTALE: "ESTALE", ENOSYS: "ENOSYS",
            EFBIG: "EFBIG", E2BIG: "E2BIG", ERANGE: "ERANGE",
        ]
        return names[code] ?? "errno \(code)"
    }
}
