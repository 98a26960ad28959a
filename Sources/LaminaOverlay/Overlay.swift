import Glibc
import LaminaSystem
import Logging

/// The merged view of a layer stack: the union engine's whole public surface.
///
/// The FUSE bridge (and the unit tests) drive the engine through these calls, which mirror the
/// low-level FUSE operations but speak in engine terms (nodes, handles, Swift errors). Nothing here
/// knows about FUSE. Every operation throws `SystemError`, whose `errno` the bridge sends to the
/// kernel.
///
/// Thread safety: every method may be called from any thread at once (the FUSE loop is
/// multi-threaded). What protects which state is documented on `NodeTable`, `DirectoryIndex`,
/// `HandleTable` and in docs/architecture.md (lock order).
///
/// CONTRACT (written before the implementation so the bridge and engine can be built in parallel):
/// method names and signatures here are fixed; bodies are filled in by the engine.
public final class Overlay: Sendable {
    /// The FUSE root node id.
    public static let rootNode: NodeID = 1

    public let configuration: OverlayConfiguration

    let stack: LayerStack
    let nodes: NodeTable
    let inodes: InodeNumbers
    let work: WorkDirectory?
    let attributes: OverlayAttribute
    let files = HandleTable<FileHandle>()
    let directories = HandleTable<DirectoryListing>()
    let orphans = OrphanDescriptors()
    let logger: Logger

    public init(configuration: OverlayConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let stack = try LayerStack(configuration: configuration)
        self.stack = stack
        self.inodes = InodeNumbers(layerDevices: stack.devices)
        self.attributes = OverlayAttribute(configured: configuration.markerNamespace, isRoot: geteuid() == 0)
        self.work = stack.work.map { WorkDirectory(descriptor: $0) }
        try work?.removeLeftovers()
        self.nodes = NodeTable(root: try Self.makeRoot(stack: stack, inodes: inodes))
        logger.debug("overlay ready", metadata: [
            "lower": "\(configuration.lowerLayers.count)",
            "writable": "\(stack.hasUpper)",
        ])
    }

    /// True when there is no upper layer: every write answers EROFS.
    public var isReadOnly: Bool { configuration.upperDirectory == nil }

    // MARK: Names

    /// Resolves `name` in directory `parent`; counts one kernel lookup on the returned node.
    /// Throws ENOENT when the name does not exist (the bridge replies with a cacheable negative entry).
    public func lookup(parent: NodeID, name: FileName) throws -> Entry { try lookupEntry(parent: parent, name: name) }

    /// The kernel dropped `lookups` references to `node`.
    /// A node dropped here gives back what it held: the descriptor kept for it if it was unlinked
    /// while open, and its directory descriptors.
    public func forget(_ node: NodeID, lookups: UInt64) {
        for dropped in nodes.forget(node, lookups: lookups) {
            orphans.release(dropped)
            if let box = dropped.directory { releaseHandles(of: box) }
        }
    }

    public func attributes(of node: NodeID) throws -> stat { try mergedAttributes(of: nodes.node(node)) }

    /// Whether a call that failed with `error` is worth one more try: ENOSPC or EDQUOT within a
    /// second after a file the kernel held lost its last name. Its space comes back only after the
    /// kernel's forget for it arrives and the engine closes its descriptor, and then (measured on
    /// tmpfs under load) a few milliseconds later still. So this waits, at most 200 ms and holding
    /// no lock, until the upper file system has more room than when the call failed. Kernel
    /// overlayfs frees the space at the unlink: `rm big; echo > new` on a full disk works there.
    public func mayFreeSpace(after error: any Error) -> Bool {
        guard let error = error as? SystemError, error.errno == ENOSPC || error.errno == EDQUOT,
              !isReadOnly, orphans.keptRecently(within: .seconds(1)) else { return false }
        let room = { (try? self.stack.statisticsDescriptor.fileSystemStatistics()).map { UInt64($0.f_bavail) } ?? 0 }
        let before = room()
        let deadline = ContinuousClock.now + .milliseconds(200)
        while room() <= before, ContinuousClock.now < deadline { usleep(1_000) }
        return true
    }

    /// chmod/chown/truncate/utimens. `handle` is set when the kernel names an open file (ftruncate...);
    /// nil or 0 (a file opened without an OPEN request) means none.
    public func setAttributes(of node: NodeID, _ changes: AttributeChanges, handle: UInt64?) throws -> stat {
        try changeAttributes(of: node, changes, handle: handle)
    }

    /// Raw bytes of a symlink target (not necessarily UTF-8).
    public func readLink(_ node: NodeID) throws -> [UInt8] { try symbolicLinkTarget(node) }

    public func makeNode(parent: NodeID, name: FileName, mode: mode_t, device: dev_t, caller: Caller) throws -> Entry {
        try makeSpecialFile(parent: parent, name: name, mode: mode, device: device, caller: caller)
    }
    public func makeDirectory(parent: NodeID, name: FileName, mode: mode_t, caller: Caller) throws -> Entry {
        try makeMergedDirectory(parent: parent, name: name, mode: mode, caller: caller)
    }
    public func makeSymbolicLink(parent: NodeID, name: FileName, target: [UInt8], caller: Caller) throws -> Entry {
        try makeLink(parent: parent, name: name, target: target, caller: caller)
    }
    /// Hard link: copies `node` up once if it lives in a lower layer; both names then share one inode.
    public func link(_ node: NodeID, newParent: NodeID, newName: FileName) throws -> Entry {
        try makeHardLink(node, newParent: newParent, newName: newName)
    }
    public func removeFile(parent: NodeID, name: FileName) throws { try remove(parent: parent, name: name, directory: false) }
    public func removeDirectory(parent: NodeID, name: FileName) throws { try remove(parent: parent, name: name, directory: true) }
    public func rename(parent: NodeID, name: FileName, newParent: NodeID, newName: FileName, flags: RenameFlags) throws {
        try move(parent: parent, name: name, newParent: newParent, newName: newName, flags: flags)
    }

    // MARK: Files

    /// Opens a file; write access (O_WRONLY, O_RDWR, O_TRUNC) copies it up first.
    public func open(_ node: NodeID, flags: Int32) throws -> OpenedFile { try openFile(nodes.node(node), flags: flags) }
    /// O_CREAT: creates and opens in one step; counts one lookup on the new node. `keepOpen: false`
    /// (the kernel opens files without OPEN requests and will send no RELEASE for this one) closes
    /// the file again at once and answers handle 0.
    public func create(parent: NodeID, name: FileName, mode: mode_t, flags: Int32, caller: Caller,
                       keepOpen: Bool = true) throws -> (Entry, OpenedFile) {
        try createFile(parent: parent, name: name, mode: mode, flags: flags, caller: caller, keepOpen: keepOpen)
    }
    /// The descriptor to read or write for `handle` right now. A handle opened read-only on a lower
    /// file follows the file to the upper layer once another handle copied it up.
    public func descriptor(for handle: UInt64) throws -> Int32 {
        guard handle != 0 else { throw SystemError("handle", errno: EBADF, path: "#0") }
        if let fixed = FileHandle.fixedDescriptor(handle) { return fixed }
        return try fileHandle(handle).descriptor { node, flags in try openFile(of: node, flags: flags) }.rawValue
    }
    /// Runs `body` with the descriptor to read or write `node` through: that of `handle`, or for
    /// handle 0 (the kernel opened the file without an OPEN request, FUSE's no-open mode) one
    /// opened for this call, read-only or for writing after a copy-up (`Overlay+Unopened.swift`).
    public func withDescriptor<T>(handle: UInt64, node: NodeID, writing: Bool, _ body: (Int32) throws -> T) throws -> T {
        if handle != 0 { return try body(descriptor(for: handle)) }
        return try withUnopenedDescriptor(nodes.node(node), writing: writing) { try body($0.rawValue) }
    }
    /// Runs `body` with the descriptor to serve one read through `handle` (0: opened without a
    /// handle). A handle opened read-only on a lower file (one that follows copy-ups) is read as a
    /// file opened without a handle is: through a descriptor opened for the call where the file
    /// lives now (or its orphan descriptor), which is what following it means. The kernel sends
    /// several READs of one file at once, and on the handle's one shared descriptor their
    /// interleaved offsets defeated the lower file system's readahead (1 GiB sequential reads
    /// measured 2-3x slower); a reopen of that descriptor through /proc/self/fd read fast but made
    /// later writes through the mount slow, and WILLNEED advice did not help.
    public func withReadDescriptor<T>(handle: UInt64, node: NodeID, _ body: (Int32) throws -> T) throws -> T {
        let perCall = handle != 0 && FileHandle.fixedDescriptor(handle) == nil
        return try withDescriptor(handle: perCall ? 0 : handle, node: node, writing: false, body)
    }
    public func release(_ handle: UInt64) { files.remove(handle)?.close() }
    public func flush(_ handle: UInt64) throws { _ = try fileHandle(handle) }
    /// fsync of `node` through `handle` (0: opened without a handle).
    public func synchronize(handle: UInt64, node: NodeID, dataOnly: Bool) throws {
        if handle != 0 { return try FileDescriptor(rawValue: descriptor(for: handle)).synchronize(dataOnly: dataOnly) }
        try synchronizeUnopened(nodes.node(node), dataOnly: dataOnly)
    }
    /// fallocate of `node` through `handle` (0: opened without a handle). `prepare` runs first on
    /// the descriptor it goes through (the FUSE bridge clears set-ID bits there).
    public func allocate(
        handle: UInt64, node: NodeID, mode: Int32, offset: off_t, length: off_t, prepare: (Int32) throws -> Void = { _ in }
    ) throws {
        try requireWritable("fallocate")
        try withDescriptor(handle: handle, node: node, writing: true) {
            try prepare($0)
            try FileDescriptor(rawValue: $0).allocate(mode: mode, offset: offset, length: length)
        }
    }

    // MARK: Directories

    /// Opens a directory; its merged listing is taken at the first read from offset 0, and offsets
    /// are positions in it, so they stay valid.
    public func openDirectory(_ node: NodeID) throws -> OpenedDirectory { try openListing(nodes.node(node)) }
    /// Entries after `offset` (0 = from the start), including "." and "..". Each entry's `offset`
    /// is the value to pass to resume after it.
    public func directoryEntries(_ handle: UInt64, from offset: UInt64) throws -> ArraySlice<DirectoryEntry> {
        let listing = try listing(handle)
        return try listing.entries(after: offset) { try snapshot(of: listing.node) }
    }
    public func releaseDirectory(_ handle: UInt64) {
        guard let listing = directories.remove(handle), listing.holdsKernelCacheTurn else { return }
        listing.node.directory?.kernelCacheTurn.store(false, ordering: .releasing)
    }
    public func synchronizeDirectory(_ handle: UInt64, dataOnly: Bool) throws {
        try synchronizeListing(listing(handle), dataOnly: dataOnly)
    }

    // MARK: File system and xattrs

    public func statistics(of node: NodeID) throws -> statvfs {
        _ = try nodes.node(node)
        return try stack.statisticsDescriptor.fileSystemStatistics()
    }
    public func setExtendedAttribute(_ node: NodeID, name: String, value: [UInt8], flags: Int32) throws {
        try setAttribute(nodes.node(node), name: name, value: value, flags: flags)
    }
    public func extendedAttribute(_ node: NodeID, name: String) throws -> [UInt8] { try attribute(nodes.node(node), name: name) }
    /// Names of the node's xattrs, without the overlay's own markers (overlay.opaque, whiteouts...).
    /// (xattr names stay `String`: the kernel's xattr namespaces are ASCII prefixes.)
    public func extendedAttributeNames(_ node: NodeID) throws -> [String] { try attributeNames(nodes.node(node)) }
    public func removeExtendedAttribute(_ node: NodeID, name: String) throws {
        try removeAttribute(nodes.node(node), name: name)
    }
}

/// A FUSE node id. An id never changes while its node lives; once the kernel has forgotten a node
/// the id may be given to another one (`NodeTable` reuses freed ids so its array stays as long as the
/// most nodes ever live at once). FUSE allows that without export support, which Lamina does not offer.
public typealias NodeID = UInt64

/// The identity of the process asking for a change: new files are owned by it.
public struct Caller: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t
    public var umask: mode_t
    public init(uid: uid_t, gid: gid_t, umask: mode_t = 0) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
    }
}

/// The answer to a lookup: a node, its attributes, and whether the kernel may cache it for long.
public struct Entry: Sendable {
    public var node: NodeID
    public var generation: UInt64
    public var attributes: stat
    /// True when the entry lives only in immutable lower layers of a read-only mount (cache forever).
    public var immutable: Bool
    public init(node: NodeID, generation: UInt64, attributes: stat, immutable: Bool) {
        self.node = node
        self.generation = generation
        self.attributes = attributes
        self.immutable = immutable
    }
}

/// An open file handle.
public struct OpenedFile: Sendable {
    public var handle: UInt64
    /// The file's data cannot change under the kernel (it lives in a lower layer): keep its page cache.
    public var keepCache: Bool
    /// The descriptor is the file's upper copy (else a lower layer's file, which must never be written).
    public var upper: Bool
    public init(handle: UInt64, keepCache: Bool, upper: Bool) {
        self.handle = handle
        self.keepCache = keepCache
        self.upper = upper
    }
}

/// An open directory handle.
public struct OpenedDirectory: Sendable {
    public var handle: UInt64
    /// The kernel may cache readdir results (it drops them when it changes a name in the directory).
    public var cacheable: Bool
    public init(handle: UInt64, cacheable: Bool) {
        self.handle = handle
        self.cacheable = cacheable
    }
}

/// One merged directory entry as readdir returns it.
public struct DirectoryEntry: Sendable, Equatable {
    public var name: FileName
    /// The inode number `stat` reports for this entry.
    public var inode: UInt64
    /// The file type bits (`S_IFMT` part of st_mode).
    public var type: mode_t
    /// Pass this offset to `directoryEntries` to resume after this entry.
    public var offset: UInt64
    public init(name: FileName, inode: UInt64, type: mode_t, offset: UInt64) {
        self.name = name
        self.inode = inode
        self.type = type
        self.offset = offset
    }
}

/// The attribute changes of one setattr call; nil means unchanged.
public struct AttributeChanges: Sendable {
    public enum Time: Sendable { case now, set(timespec) }
    public var mode: mode_t?
    public var uid: uid_t?
    public var gid: gid_t?
    public var size: off_t?
    public var accessTime: Time?
    public var modificationTime: Time?
    public init(mode: mode_t? = nil, uid: uid_t? = nil, gid: gid_t? = nil, size: off_t? = nil,
                accessTime: Time? = nil, modificationTime: Time? = nil) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessTime = accessTime
        self.modificationTime = modificationTime
    }
}

/// renameat2 flags.
public struct RenameFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let noReplace = RenameFlags(rawValue: 1)   // RENAME_NOREPLACE
    public static let exchange = RenameFlags(rawValue: 2)    // RENAME_EXCHANGE
    public static let whiteout = RenameFlags(rawValue: 4)    // RENAME_WHITEOUT (answered EINVAL)
}

/// What to mount: lower layers (top-most first, as overlayfs lists them), and an optional upper and
/// work directory for a writable mount.
public struct OverlayConfiguration: Sendable {
    public var lowerLayers: [LowerLayer]
    public var upperDirectory: String?
    public var workDirectory: String?
    /// Which xattr namespace the overlay's own markers (opaque, redirect) are written in.
    /// `nil` = `trusted.overlay.` when running as root, else `user.overlay.`.
    public var markerNamespace: String?
    /// Most directory descriptors the engine keeps open at once (`DescriptorCache`).
    public var descriptorCeiling: Int

    public init(lowerLayers: [LowerLayer], upperDirectory: String? = nil, workDirectory: String? = nil,
                markerNamespace: String? = nil, descriptorCeiling: Int? = nil) {
        self.lowerLayers = lowerLayers
        self.upperDirectory = upperDirectory
        self.workDirectory = workDirectory
        self.markerNamespace = markerNamespace
        self.descriptorCeiling = descriptorCeiling ?? Self.defaultDescriptorCeiling()
    }

    /// Lower layers that are plain directories.
    public init(lowerDirectories: [String], upperDirectory: String? = nil, workDirectory: String? = nil,
                markerNamespace: String? = nil, descriptorCeiling: Int? = nil) {
        self.init(lowerLayers: lowerDirectories.map { .directory($0) }, upperDirectory: upperDirectory,
                  workDirectory: workDirectory, markerNamespace: markerNamespace, descriptorCeiling: descriptorCeiling)
    }

    /// The lower layers' directories (a layer without one is left out).
    public var lowerDirectories: [String] { lowerLayers.compactMap(\.directory) }

    /// Half the descriptors the process may open (the rest is for files the kernel holds open and
    /// for operations in flight), at most 16,384.
    public static func defaultDescriptorCeiling() -> Int {
        let limit = ResourceLimits.openFileLimit()
        return max(64, min(16_384, limit / 2))
    }
}
