import Glibc
import LaminaLayerIndex
import LaminaSystem
import Logging
import Synchronization
import Testing
@testable import LaminaOverlay

/// A lower layer read through its layer index shows exactly what the same layer read as a
/// directory shows: names, whiteouts and opaque directories, types, modes, owners, sizes, times,
/// link targets, xattrs, hard links and data; and a layer with no directory reads its files' data
/// from its content provider.
struct IndexedLayerTests {
    /// Two lower layers with every kind of entry; the upper one deletes and hides some of the lower's.
    private func makeLayers() throws -> LayerFixture {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/keep", "kept")
        try fixture.file("l1/gone", "deleted above")
        try fixture.file("l1/d/old", "hidden by opaque")
        try fixture.file("l1/e/x", "merged")
        try fixture.file("l0/e/y", "merged too")
        try fixture.file("l0/.wh.gone")
        try fixture.file("l0/d/new", "new")
        try fixture.file("l0/d/.wh..wh..opq")
        try fixture.file("l0/exec", "#!/bin/sh", mode: 0o4755)
        try fixture.symlink("l0/link", to: "e/y")
        try fixture.hardLink("l0/exec", "l0/exec2")
        try fixture.file("l0/keep2", "two")
        try fixture.xattr("l0/keep2", "user.note", "value")
        try fixture.directory("l0/empty", mode: 0o700)
        try fixture.root.makeNode("l0/fifo", mode: S_IFIFO | 0o640, device: 0)
        return fixture
    }

    private func index(of fixture: LayerFixture, _ layer: Int) throws -> LayerIndex {
        try LayerIndex(bytes: LayerIndexBuilder.walking("\(fixture.path)/l\(layer)").serialized())
    }

    /// Every merged entry as one line: path, type, mode, owner, size, mtime, link count, xattrs,
    /// link target, data.
    private func view(_ overlay: Overlay) throws -> [String] {
        var lines: [String] = []
        func walk(_ node: NodeID, _ prefix: String) throws {
            let directory = try overlay.openDirectory(node)
            defer { overlay.releaseDirectory(directory.handle) }
            for entry in try overlay.directoryEntries(directory.handle, from: 0) where !entry.name.isDotOrDotDot {
                let found = try overlay.lookup(parent: node, name: entry.name)
                let status = found.attributes
                var line = "\(prefix)\(entry.name) \(String(status.st_mode, radix: 8)) \(status.st_uid):\(status.st_gid) "
                    + "\(status.st_mode & S_IFMT == S_IFDIR ? 0 : status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) "
                    + "\(status.st_mode & S_IFMT == S_IFDIR ? 0 : status.st_nlink)"
                for name in try overlay.extendedAttributeNames(found.node).sorted() {
                    line += " \(name)=\(String(decoding: try overlay.extendedAttribute(found.node, name: name), as: UTF8.self))"
                }
                switch status.st_mode & S_IFMT {
                case S_IFLNK: line += " -> " + String(decoding: try overlay.readLink(found.node), as: UTF8.self)
                case S_IFREG:
                    line += " " + (try overlay.withDescriptor(handle: 0, node: found.node, writing: false) {
                        String(decoding: try FileDescriptor(rawValue: $0).read(count: 100, at: 0), as: UTF8.self)
                    })
                case S_IFDIR: try walk(found.node, prefix + entry.name.description + "/")
                default: break
                }
                lines.append(line)
            }
        }
        try walk(Overlay.rootNode, "")
        return lines.sorted()
    }

    @Test func indexedDirectoriesShowWhatTheDirectoriesShow() throws {
        let fixture = try makeLayers()
        try fixture.xattr("l0/keep2", "user.other", "x")
        let plain = try view(fixture.overlay(writable: false))
        let layers = try (0..<2).map { LowerLayer(directory: "\(fixture.path)/l\($0)", index: try index(of: fixture, $0)) }
        let configuration = OverlayConfiguration(lowerLayers: layers)
        let indexed = try view(Overlay(configuration: configuration, logger: Logger(label: "test")))
        #expect(indexed == plain)
        #expect(plain.contains { $0.hasPrefix("d/new ") } && !plain.contains { $0.hasPrefix("d/old ") })
        #expect(!plain.contains { $0.hasPrefix("gone ") })
    }

    @Test func writesCopyUpFromAnIndexedLayer() throws {
        let fixture = try makeLayers()
        let before = try fixture.snapshot("l0")
        let layers = try (0..<2).map { LowerLayer(directory: "\(fixture.path)/l\($0)", index: try index(of: fixture, $0)) }
        let overlay = try Overlay(
            configuration: OverlayConfiguration(lowerLayers: layers, upperDirectory: "\(fixture.path)/upper", workDirectory: "\(fixture.path)/work"),
            logger: Logger(label: "test"))
        try overlay.write("exec", "changed")
        #expect(try fixture.contents("upper/exec") == "changed")
        #expect(try #require(try fixture.status("upper/exec")).st_mode & 0o7777 == 0o4755)
        #expect(try fixture.status("upper/keep2") == nil)
        _ = try overlay.setAttributes(of: overlay.node("keep2"), AttributeChanges(mode: 0o600), handle: nil)
        #expect(try fixture.attribute("upper/keep2", "user.note") == "value")
        try overlay.removeFile(parent: overlay.node("e"), name: "x")
        #expect(try overlay.names("e") == ["y"])
        #expect(try fixture.snapshot("l0") == before)
    }

    /// Serves a layer's files from a directory by the paths the index gives them.
    final class DirectoryContent: LayerContentProvider {
        let directory: String
        let paths: [LayerFileID: String]
        let requests = Mutex(0)

        init(directory: String, index: LayerIndex) {
            self.directory = directory
            var paths: [LayerFileID: String] = [:]
            func walk(_ id: LayerDirectoryID, _ prefix: String) {
                for entry in index.entries(of: id) {
                    guard let file = entry.file else { continue }
                    let path = prefix + entry.name.description
                    if let child = index.directory(of: file) { walk(child, path + "/") } else if paths[file] == nil { paths[file] = path }
                }
            }
            walk(.root, "")
            self.paths = paths
        }

        func contentDescriptor(of file: LayerFileID) throws(SystemError) -> FileDescriptor {
            requests.withLock { $0 += 1 }
            guard let path = paths[file] else { throw SystemError("content", errno: EIO) }
            return try FileDescriptor.open("\(directory)/\(path)", flags: O_RDONLY)
        }
    }

    @Test func aLayerWithoutDirectoryReadsDataFromItsProvider() throws {
        let fixture = try makeLayers()
        let plain = try view(fixture.overlay(writable: false))
        var providers: [DirectoryContent] = []
        let layers = try (0..<2).map { layer -> LowerLayer in
            let index = try index(of: fixture, layer)
            // The index says the data is in the directory: hand it to the provider instead.
            let content = DirectoryContent(directory: "\(fixture.path)/l\(layer)", index: index)
            providers.append(content)
            return LowerLayer(directory: nil, index: index, content: content)
        }
        let indexed = try view(Overlay(configuration: OverlayConfiguration(lowerLayers: layers), logger: Logger(label: "test")))
        #expect(indexed == plain)
        #expect(providers.reduce(0) { $0 + $1.requests.withLock { $0 } } > 0)
    }
}
