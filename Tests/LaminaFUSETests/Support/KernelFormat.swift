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
            let full = path == "." ? root : root + "/" + path
            let name = path.split(separator: "/").last.map(String.init) ?? path
            let parent = path == "." ? root : String(full.dropLast(name.count + 1))
            for (attribute, value) in entry.extendedAttributes where attribute.hasPrefix("user.overlay.") {
                let kernelName = "trusted." + attribute.dropFirst("user.".count)
                let directory = try FileDescriptor.open(parent, flags: O_RDONLY | O_DIRECTORY)
                defer { directory.close() }
                try directory.removeExtendedAttribute(attribute, of: path == "." ? "." : name)
                try PosixCall.setExtendedAttribute(full, name: kernelName, value: value)
                conversions.append("\(path): \(attribute) -> \(kernelName)")
            }
            guard entry.kind == .regular, name.hasPrefix(".wh.") else { continue }
            try PosixCall.unlink(full)
            if name == ".wh..wh..opq" {
                try PosixCall.setExtendedAttribute(parent, name: "trusted.overlay.opaque", value: Array("y".utf8))
                conversions.append("\(path) -> trusted.overlay.opaque=y on its directory")
            } else {
                let target = parent + "/" + name.dropFirst(".wh.".count)
                try PosixCall.makeNode(target, mode: S_IFCHR, device: 0)
                conversions.append("\(path) -> 0/0 character device")
            }
        }
        return conversions
    }
}
