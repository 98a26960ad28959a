import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Writes the layers of one stack bottom-up, tracking the merged view as it goes so that
/// whiteouts and shadowing files in upper layers always hit files that are visible below.
///
/// Layer contents (index 0 = bottom):
/// - every layer: all `tree/dAA/dBB` leaf directories, its share of `big/`'s entries, five files
///   in `opaque/o(index % 5)`;
/// - bottom: `filesPerLayer` files `b_N` (never shadowed or whited out) and `big.bin`;
/// - above: `filesPerLayer` entries: 5% files shadowing a visible file below, 5% whiteouts
///   (0/0 character devices) of visible files below, 1% symlinks, the rest new files;
///   every seventh layer marks its `opaque/` directory opaque (`trusted.overlay.opaque=y`).
/// Small files have sizes from 0 to 16 KiB. Not thread-safe: one generator writes one stack.
struct LayerWriter {
    let shape: StackShape
    let root: String
    private var visible = VisibleFiles()
    private var bottomFiles: [String] = []
    private var whiteouts = 0
    private var opaqueDirectories = 0
    private static let sizes = [0, 64, 300, 1024, 2500, 4096, 8192, 16384]
    private static let protectedPrefixes = ["tree/d00/", "tree/d01/d02/"]

    init(shape: StackShape, root: String) {
        self.shape = shape
        self.root = root
    }

    static func layerName(_ index: Int) -> String {
        "layer-" + String(repeating: "0", count: max(0, 3 - String(index).count)) + String(index)
    }

    var leafDirectories: [String] {
        (0..<shape.fanout).flatMap { a in (0..<shape.fanout).map { b in StackShape.leaf(a, b) } }
    }

    mutating func writeLayer(_ index: Int) throws {
        var random = SeededGenerator(seed: shape.seed, stream: UInt64(index))
        let layer = root + "/" + Self.layerName(index)
        try PosixCall.makeDirectory(layer)
        for directory in ["tree", "opaque", "big"] { try PosixCall.makeDirectory(layer + "/" + directory) }
        for a in 0..<shape.fanout { try PosixCall.makeDirectory(layer + "/tree/d" + StackShape.twoDigits(a)) }
        let leaves = leafDirectories
        for leaf in leaves { try PosixCall.makeDirectory(layer + "/" + leaf) }

        if index == 0 {
            for number in 0..<shape.filesPerLayer {
                let path = leaves[Int(random.next() % UInt64(leaves.count))] + "/b_\(number)"
                try writeSmallFile(layer + "/" + path, using: &random)
                bottomFiles.append(path)
                visible.insert(path)
            }
            try writeBigFile(layer + "/big.bin", using: &random)
        } else {
            try writeUpperEntries(index, layer: layer, leaves: leaves, using: &random)
        }
        try writeOpaqueDirectory(index, layer: layer, using: &random)
        for number in 0..<shape.bigDirectoryEntries(inLayer: index) {
            let descriptor = try PosixCall.open(layer + "/big/e\(index)_\(number)", flags: O_WRONLY | O_CREAT | O_EXCL)
            PosixCall.close(descriptor)
        }
    }

    private mutating func writeUpperEntries(_ index: Int, layer: String, leaves: [String], using random: inout SeededGenerator) throws {
        // Shadowing files and whiteouts hit files of lower layers only (never bottom-only files, which
        // the bottom-layer lookups need, and never a name this layer already wrote).
        var written = Set<String>()
        let isLowerTarget: (String) -> Bool = { path in
            !path.contains("/b_") && !path.hasPrefix("opaque/") && !written.contains(path)
        }
        for number in 0..<shape.filesPerLayer {
            let roll = random.next() % 100
            if roll < 5, let target = visible.randomElement(using: &random, where: isLowerTarget) {
                try writeSmallFile(layer + "/" + target, using: &random)
                written.insert(target)
            } else if roll < 10, let target = visible.randomElement(using: &random, where: isLowerTarget) {
                written.insert(target)
                try PosixCall.makeNode(layer + "/" + target, mode: S_IFCHR, device: 0)
                visible.remove(target)
                whiteouts += 1
            } else if roll < 11 {
                let leaf = leaves[Int(random.next() % UInt64(leaves.count))]
                try PosixCall.symbolicLink(target: "l\(index)_\(number)", at: layer + "/" + leaf + "/s\(index)_\(number)")
            } else {
                let path = leaves[Int(random.next() % UInt64(leaves.count))] + "/l\(index)_\(number)"
                try writeSmallFile(layer + "/" + path, using: &random)
                visible.insert(path)
                written.insert(path)
            }
        }
    }

    private mutating func writeOpaqueDirectory(_ index: Int, layer: String, using random: inout SeededGenerator) throws {
        let directory = "opaque/o\(index % 5)"
        try PosixCall.makeDirectory(layer + "/" + directory)
        if index > 0 && index % 7 == 3 {
            try PosixCall.setExtendedAttribute(layer + "/" + directory, name: "trusted.overlay.opaque", value: Array("y".utf8))
            visible.removeAll(under: directory)
            opaqueDirectories += 1
        }
        for number in 0..<5 {
            let path = directory + "/x\(index)_\(number)"
            try writeSmallFile(layer + "/" + path, using: &random)
            visible.insert(path)
        }
    }

    private func writeSmallFile(_ path: String, using random: inout SeededGenerator) throws {
        let size = Self.sizes[Int(random.next() % UInt64(Self.sizes.count))]
        var bytes = [UInt8](repeating: 0, count: size)
        var word = random.next()
        for position in 0..<size {
            if position % 8 == 0 { word = random.next() }
            bytes[position] = UInt8(truncatingIfNeeded: word >> ((position % 8) * 8))
        }
        let descriptor = try PosixCall.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { PosixCall.close(descriptor) }
        try PosixCall.writeAll(descriptor, bytes, path: path)
    }

    private func writeBigFile(_ path: String, using random: inout SeededGenerator) throws {
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        for position in stride(from: 0, to: chunkSize, by: 8) {
            withUnsafeBytes(of: random.next()) { word in
                for offset in 0..<8 { chunk[position + offset] = word[offset] }
            }
        }
        let descriptor = try PosixCall.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { PosixCall.close(descriptor) }
        var written = 0
        while written < shape.bigFileBytes {
            let count = min(chunkSize, shape.bigFileBytes - written)
            withUnsafeBytes(of: UInt64(written)) { word in
                for offset in 0..<8 where offset < count { chunk[offset] = word[offset] }
            }
            try PosixCall.writeAll(descriptor, count == chunkSize ? chunk : Array(chunk[0..<count]), path: path)
            written += count
        }
    }

    func manifest() -> StackManifest {
        StackManifest(
            shape: shape,
            layerDirectories: (0..<shape.layers).map(Self.layerName),
            smallFiles: visible.paths.sorted(),
            bottomFiles: bottomFiles,
            leafDirectories: leafDirectories,
            whiteouts: whiteouts,
            opaqueDirectories: opaqueDirectories)
    }
}
