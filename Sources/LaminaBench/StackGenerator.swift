import Foundation
import LaminaSystem

/// Builds seeded layer stacks in a cache directory and reuses them between runs.
///
/// A stack is generated into `<cache>/<name>.partial-<pid>` and renamed into place only when
/// complete (manifest written last), so an interrupted run never leaves a half stack that a later
/// run would trust. Stateless apart from its configuration: use from one thread at a time.
public struct StackGenerator: Sendable {
    public let cacheDirectory: String

    public init(cacheDirectory: String) {
        self.cacheDirectory = cacheDirectory
    }

    /// The stack of `shape`, generated unless a complete copy is already cached.
    public func stack(_ shape: StackShape, progress: (String) -> Void) throws -> GeneratedStack {
        let directory = cacheDirectory + "/" + shape.cacheName
        if let manifest = try? readManifest(in: directory), manifest.shape == shape {
            return GeneratedStack(directory: directory, manifest: manifest)
        }
        try FileTree.makeDirectories(cacheDirectory)
        if (try? PosixCall.lstat(directory)) != nil { try FileTree.remove(directory) }
        let partial = directory + ".partial-\(getpid())"
        if (try? PosixCall.lstat(partial)) != nil { try FileTree.remove(partial) }
        try PosixCall.makeDirectory(partial)
        progress("generating \(shape.layers)-layer stack in \(directory)")
        let start = ContinuousClock.now
        var layerBuilder = LayerWriter(shape: shape, root: partial)
        for index in 0..<shape.layers {
            try layerBuilder.writeLayer(index)
        }
        let manifest = layerBuilder.manifest()
        let data = try JSONEncoder().encode(manifest)
        try data.write(to: URL(fileURLWithPath: partial + "/manifest.json"))
        PosixCall.synchronizeAll()
        try PosixCall.rename(partial, to: directory)
        progress("generated \(shape.layers)-layer stack in \(ContinuousClock.now - start)")
        return GeneratedStack(directory: directory, manifest: manifest)
    }

    private func readManifest(in directory: String) throws -> StackManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))
        return try JSONDecoder().decode(StackManifest.self, from: data)
    }
}

/// A generated stack on disk: where its layers are and what they hold.
public struct GeneratedStack: Sendable {
    public let directory: String
    public let manifest: StackManifest

    /// Absolute layer directories, top-most first (as overlayfs's lowerdir lists them).
    public var lowerDirectoriesTopFirst: [String] {
        manifest.layerDirectories.reversed().map { directory + "/" + $0 }
    }
}
