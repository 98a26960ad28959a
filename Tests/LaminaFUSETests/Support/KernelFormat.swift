import Glibc
import LaminaSystem

/// Rewrites a lower layer's whiteout and opaque markers into the formats kernel overlayfs reads
/// (as root, without `userxattr`), so the kernel can be the reference for layers it cannot read:
///
/// - an OCI whiteout file `.wh.NAME` becomes a 0/0 character device `NAME`;
/// - an OCI opaque marker `.wh..wh..opq` becomes `trusted.overlay.opaque=y` on its directory;
/// - every `user.overlay.*` xattr becomes the same `trusted.overlay.*` xattr (the kernel reads the
///   `user.` namespace only with the `userxattr` option, which also changes what it writes to the
///   upper layer and turns redirects off, so converting keeps one set of mount options for all).
///
/// Each conversion is the meaning the format is defined to have (OCI image spec, "Whiteouts";
/// overlayfs documentation, "whiteouts and opaque directories"), so the kernel's view of the
/// converted copy is what an implementation must show for the original. Formats the kernel reads
/// itself (0/0 devices, `trusted.overlay.opaque`, `trusted.overlay.whiteout` in an `opaque=x`
/// directory) are left alone.
enum KernelFormat {
    /// Converts in place; returns one line per conversion made.
    @discardableResult
    static func convert(layer root: String) throws -> [String] {
        let snapshot = TreeSnapshot.capture(root)
        var conversions: [String] = []
        // Deepest first, so a directory's own marker is handled after its children.
        for path in snapshot.entries.keys.sorted(by: { $0.count > $1.count }) {
            guard let entry = snapshot.entries[path] else { continue }
            // Through descriptors, one name at a time: names may be any bytes, paths past PATH_MAX.
            let components = try PathText.components(path)
            let parent = try PathText.openDirectory(root, components.dropLast())
            defer { parent.close() }
            let name: FileName = components.last ?? "."
            for (attribute, value) in entry.extendedAttributes where attribute.hasPrefix("user.overlay.") {
                let kernelName = "trusted." + attribute.dropFirst("user.".count)
                try parent.removeExtendedAttribute(attribute, of: name)
                try parent.setExtendedAttribute(kernelName, value: value, of: name)
                conversions.append("\(path): \(attribute) -> \(kernelName)")
            }
            guard entry.kind == .regular, name.hasPrefix(".wh."), let hidden = name.droppingPrefix(4) else { continue }
            try parent.unlink(name)
            if name == ".wh..wh..opq" {
                try parent.setExtendedAttribute("trusted.overlay.opaque", value: Array("y".utf8), of: ".")
                conversions.append("\(path) -> trusted.overlay.opaque=y on its directory")
            } else {
                try parent.makeNode(hidden, mode: S_IFCHR, device: 0)
                conversions.append("\(path) -> 0/0 character device")
            }
        }
        return conversions
    }
}
