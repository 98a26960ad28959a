import Foundation
import LaminaLayerIndex
import LaminaSystem
import Logging
import Synchronization
import Testing
@testable import LaminaImage
@testable import LaminaLazy

/// A layer for lazy tests: every kind of member and marker, explicit directories (so the trees
/// of a full and a lazy pull agree on every directory's time), small files side by side, and a
/// file large enough to be cut into many chunks.
func lazyFixtureLayer(in directory: String, bigSize: Int = 300_000) throws -> LayerFixture {
    var setuid = file("bin/tool", "#!/bin/sh\necho tool\n", mode: 0o4755)
    setuid.0.extendedAttributes = [("security.capability", [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]
    var tagged = file("etc/tagged", "x")
    tagged.0.extendedAttributes = [("user.lamina.test", Array("hello".utf8))]
    var generator = SystemRandomNumberGenerator()
    let big = (0..<bigSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
    var members: [(ArchiveEntry, [UInt8])] = [
        dir("./"), dir("bin"), setuid, dir("etc", mode: 0o750),
        file("etc/owned", "owned\n", mode: 0o640, uid: 1234, gid: 5678), tagged,
        symlink("etc/link", to: "../bin/tool"), hardlink("etc/tool-hardlink", to: "bin/tool"),
        (ArchiveEntry(path: "dev-null", kind: .characterDevice, permissions: 0o666, deviceMajor: 1, deviceMinor: 3), []),
        (ArchiveEntry(path: "fifo", kind: .fifo, permissions: 0o600), []),
        dir("data"), file("etc/.wh.removed", ""), dir("opaque"), file("opaque/.wh..wh..opq", ""), file("empty", ""),
    ]
    members.append((ArchiveEntry(path: "data/big", kind: .regular, permissions: 0o644, modificationSeconds: 1_700_000_000), big))
    for number in 0..<20 { members.append(file("data/small-\(number)", "small file \(number)\n")) }
    return try LayerFixture.make(members, in: directory)
}

/// Compares a layer read lazily with the unpacked tree of the same layer (its directory index):
/// names, kinds, owners, modes, sizes, times, device numbers, link counts, xattrs, link targets,
/// whiteouts, opaque flags, and every regular file's bytes.
func expectSameLayer(_ lazy: LazyLayer, as tree: String, treeIndex: LayerIndex) throws {
    var files = 0
    try compare(lazy, .root, treeIndex, .root, tree: tree, path: "", files: &files)
    #expect(files > 0)
}

private func compare(
    _ lazy: LazyLayer, _ directory: LayerDirectoryID, _ treeIndex: LayerIndex, _ treeDirectory: LayerDirectoryID,
    tree: String, path: String, files: inout Int
) throws {
    let index = lazy.index
    #expect(index.entries(of: directory).map(\.name) == treeIndex.entries(of: treeDirectory).map(\.name), "\(path)/")
    #expect(index.isOpaque(directory) == treeIndex.isOpaque(treeDirectory), "\(path)/ opaque")
    let ownFile = index.file(of: directory), treeOwn = treeIndex.file(of: treeDirectory)
    #expect(index.metadata(of: ownFile) == treeIndex.metadata(of: treeOwn), "\(path)/ metadata")
    for entry in index.entries(of: directory) {
        let name = path + "/" + entry.name.description
        let other = try #require(treeIndex.lookup(entry.name, in: treeDirectory), "\(name)")
        #expect(entry.kind == other.kind, "\(name)")
        guard let file = entry.file, let otherFile = other.file else { continue }
        #expect(index.metadata(of: file) == treeIndex.metadata(of: otherFile), "\(name)")
        #expect(index.extendedAttributes(of: file) == treeIndex.extendedAttributes(of: otherFile), "\(name) xattrs")
        #expect(index.linkTarget(of: file) == treeIndex.linkTarget(of: otherFile), "\(name) link")
        if entry.kind == .regular {
            let descriptor = try lazy.contentDescriptor(of: file)
            defer { descriptor.close() }
            let size = Int(index.metadata(of: file).size)
            let bytes = size == 0 ? [] : try descriptor.read(count: size + 1, at: 0)
            #expect(bytes == [UInt8](FileManager.default.contents(atPath: tree + name) ?? Data()), "\(name) content")
            files += 1
        }
        if let child = index.directory(of: file), let otherChild = treeIndex.directory(of: otherFile) {
            try compare(lazy, child, treeIndex, otherChild, tree: tree, path: name, files: &files)
        }
    }
}

/// A log handler keeping every line, for tests that expect one error line.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.level): \(event.message)") }
    }

    var errorLines: [String] { lines.withLock { $0.filter { $0.hasPrefix("error") } } }

    var logger: Logger { Logger(label: "lamina.test") { _ in self } }
}

/// Makes the lazy-layer directory of a converted layer whose blob is at `blob`, read through `reader`.
func makeLazyLayer(
    store: ImageStore, descriptor: Descriptor, diffID: Digest, reader: any BlobReader, logger: Logger, policy: RetryPolicy = .standard
) throws -> LazyLayer {
    let format = try #require(LazyFormat(descriptor))
    let remote = RemoteLayer(
        client: RegistryClient(host: "127.0.0.1:1", insecure: true, credentials: nil), repository: "local",
        insecure: true, descriptor: descriptor, diffID: diffID)
    _ = try store.writeLazyLayer(remote, format: format, reader: reader, target: store.lazyLayerPath(descriptor.digest))
    return try LazyLayer(directory: store.lazyLayerPath(descriptor.digest), reader: reader, policy: policy, logger: logger)
}
