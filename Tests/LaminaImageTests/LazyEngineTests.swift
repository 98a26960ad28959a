import Foundation
import LaminaLayerIndex
import LaminaSystem
import Logging
import Testing
@testable import LaminaImage
@testable import LaminaLazy
@testable import LaminaOverlay

/// A lazily pulled image mounted by the union engine (its layers as indexes, file data from the
/// lazy layers) shows what the same image pulled whole shows, read as plain directories.
@Suite(.serialized, .enabled(if: LocalRegistry.available, "needs docker-registry, skopeo and curl"))
struct LazyEngineTests {
    @Test(arguments: ConversionFormat.allCases)
    func aLazyImageMountsAsTheFullPull(_ format: ConversionFormat) async throws {
        let served = try await LazyPullTests.Served(format)
        let lazyStore = try ImageStore(root: served.temp.sub("lazy"))
        try await lazyStore.pullLazily(served.name, insecure: true)
        let full = try ImageStore(root: served.temp.sub("full"))
        try await full.pull(served.name, insecure: true)
        let logger = Logger(label: "test")
        let plain = try Self.view(Overlay(configuration: OverlayConfiguration(lowerDirectories: try full.layerDirectories(for: served.name)), logger: logger))
        let indexed = try Self.view(Overlay(configuration: OverlayConfiguration(lowerLayers: try full.lowerLayers(for: served.name, logger: logger)), logger: logger))
        let lazy = try Self.view(Overlay(configuration: OverlayConfiguration(lowerLayers: try lazyStore.lowerLayers(for: served.name, logger: logger)), logger: logger))
        #expect(plain.count > 20)
        #expect(indexed == plain)
        #expect(lazy == plain)
    }

    /// Every merged entry as one line: path, mode, owner, size, time, links, xattrs, link target,
    /// and a digest of the data.
    static func view(_ overlay: Overlay) throws -> [String] {
        var lines: [String] = []
        func walk(_ node: NodeID, _ prefix: String) throws {
            let directory = try overlay.openDirectory(node)
            defer { overlay.releaseDirectory(directory.handle) }
            for entry in try overlay.directoryEntries(directory.handle, from: 0) where !entry.name.isDotOrDotDot {
                let found = try overlay.lookup(parent: node, name: entry.name)
                let status = found.attributes
                let isDirectory = status.st_mode & S_IFMT == S_IFDIR
                var line = "\(prefix)\(entry.name) \(String(status.st_mode, radix: 8)) \(status.st_uid):\(status.st_gid) "
                    + "\(isDirectory ? 0 : status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) \(isDirectory ? 0 : status.st_nlink)"
                for name in try overlay.extendedAttributeNames(found.node).sorted() {
                    line += " \(name)=\(try overlay.extendedAttribute(found.node, name: name))"
                }
                switch status.st_mode & S_IFMT {
                case S_IFLNK: line += " -> " + String(decoding: try overlay.readLink(found.node), as: UTF8.self)
                case S_IFREG:
                    let bytes = try overlay.withDescriptor(handle: 0, node: found.node, writing: false) {
                        try FileDescriptor(rawValue: $0).read(count: Int(status.st_size) + 1, at: 0)
                    }
                    line += " \(Digest.of(Data(bytes)).short)"
                case S_IFDIR: try walk(found.node, prefix + entry.name.description + "/")
                default: break
                }
                lines.append(line)
            }
        }
        try walk(Overlay.rootNode, "")
        return lines.sorted()
    }
}
