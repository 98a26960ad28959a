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
public enum Redirect: Sendable, Equatable {
    /// The directory's old name beside it (a rename within the same directory).
    case sibling(FileName)
    /// The directory's old path from the layer root, one name per level (empty: the root).
    case absolute([FileName])

    /// The redirect an xattr value names; nil when the value is not a valid redirect.
    public init?(value: [UInt8]) {
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

    /// The old path from the layer root of a directory whose own parent is at `parent` (what a
    /// sibling redirect means there).
    public func components(parent: [FileName]) -> [FileName] {
        switch self {
        case .sibling(let name): parent + [name]
        case .absolute(let components): components
        }
    }

    /// The xattr value that names `components` from the layer root (what a rename writes).
    public static func value(absolute components: [FileName]) -> [UInt8] {
        var value: [UInt8] = []
        for component in components {
            value.append(UInt8(ascii: "/"))
            value.append(contentsOf: component.bytes)
        }
        return value.isEmpty ? [UInt8(ascii: "/")] : value
    }
}
