/// A directory or file inside one layer: the layer's index in `LayerStack` and the path relative to
/// that layer's root ("." for the root itself).
struct LayerPath: Sendable, Equatable {
    var layer: Int
    var path: String

    /// The path of `name` inside this directory.
    func appending(_ name: String) -> LayerPath {
        LayerPath(layer: layer, path: LayerPath.join(path, name))
    }

    /// Joins a directory path and a name without a leading "./".
    static func join(_ directory: String, _ name: String) -> String {
        directory == "." ? name : directory + "/" + name
    }

    /// The directory part of a path ("." for a top-level name).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// The last component of a path.
    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
