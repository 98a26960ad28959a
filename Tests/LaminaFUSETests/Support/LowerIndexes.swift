import LaminaLayerIndex

/// Layer indexes of lower directories, for mounts that read their layers through them
/// (`lowerindex=`, as `lamina mount` reads store layers).
enum LowerIndexes {
    /// Builds an index of each of `lowers` beside it (`LAYER.index`) and returns the
    /// `lowerindex=` option naming them in the same order.
    static func option(for lowers: [String]) throws -> String {
        var indexes: [String] = []
        for layer in lowers {
            indexes.append(layer + ".index")
            try LayerIndexBuilder.walking(layer).write(to: layer + ".index")
        }
        return "lowerindex=" + indexes.joined(separator: ":")
    }
}
