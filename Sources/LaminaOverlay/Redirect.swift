import LaminaSystem

/// Where a renamed directory's lower contents are: the value of an `overlay.redirect` xattr,
/// validated as the kernel validates it.
///
/// A relative redirect is one name: the directory's old name beside it, in the layers below. An
/// absolute redirect ("/a/b") is a path from the layer root, resolved one component at a time from
/// each lower layer's root (never through a symlink: each step opens a directory with O_NOFOLLOW).
/// Anything else (empty, "." or ".." anywhere, a relative value holding `/`, a component too long)
/// is invalid, and an invalid redirect is ignored, with one logged line, as kernel overlayfs ignores
/// it: the directory merges as if it had none. No redirect can name anything outside the layers.
///
/// Thread safety: an immutable value.
enum Redirect: Sendable, Equatable {
    case sibling(FileName)
    case absolute([FileName])

    /// The redirect an xattr value names; nil when the value is not a valid redirect.
    init?(value: [UInt8]) {
        guard !value.isEmpty, !value.contains(0) else { return nil }
        let slash = UInt8(ascii: "/")
        if value == [slash] {
            self = .absolute([])  // the layer root
        } else if value.first == slash {
            // "/a/b": every component a name, none "." or "..".
            var components: [FileName] = []
            for part in value.dropFirst().split(separator: slash, omittingEmptySubsequences: false) {
                guard let name = FileName(bytes: part), !name.isDotOrDotDot else { return nil }
                components.append(name)
            }
            self = .absolute(components)
        } else {
            guard let name = FileName(bytes: value), !name.isDotOrDotDot else { return nil }
            self = .sibling(name)
        }
    }

    /// The xattr value that names `components` from the layer root (what a rename writes).
    static func value(absolute components: [FileName]) -> [UInt8] {
        var value: [UInt8] = []
        for component in components {
            value.append(UInt8(ascii: "/"))
            value.append(contentsOf: component.bytes)
        }
        return value.isEmpty ? [UInt8(ascii: "/")] : value
    }
}
