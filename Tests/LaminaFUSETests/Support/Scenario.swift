import Testing

/// A scripted comparison: a layer stack, and a shell script played in the merged view (its working
/// directory is the mount point, so paths and messages match on both mounts).
///
/// Shown by `name` in the test list.
struct Scenario: Sendable, CustomTestStringConvertible {
    var name: String
    /// Shell scripts building each layer, bottom-most first (see `LayerStackFixture`).
    var layers: [String]
    var script: String
    /// false: mount without upper and work directories.
    var writable = true
    /// Kernel overlayfs options beyond the layer directories; each side of a comparison must mean the
    /// same thing. The defaults pin what Debian's kernel configuration could otherwise choose:
    /// no inode index (hard links are broken on copy-up, as in every default mount), no metadata-only
    /// copy-up, and no directory redirects (rename of a lower directory answers EXDEV) unless a
    /// scenario turns them on.
    var kernelOptions = ["index=off", "metacopy=off", "redirect_dir=off"]
    /// true: the merged views are also compared before the script runs. Off by default, because
    /// reading the whole tree first warms every cache and would hide what a cold lookup does.
    var comparesInitialView = false
    /// Lamina mount options (`-o`) for the implementation under test, such as `passthrough=all`.
    var implementationOptions: [String] = []

    var testDescription: String { name }

    init(_ name: String, layers: [String], script: String, writable: Bool = true, comparesInitialView: Bool = false) {
        self.name = name
        self.layers = layers
        self.script = script
        self.writable = writable
        self.comparesInitialView = comparesInitialView
    }

    /// The same scenario with the kernel renaming lower directories by redirect, as Lamina does.
    func withRedirects() -> Scenario {
        var copy = self
        copy.kernelOptions = kernelOptions.map { $0.hasPrefix("redirect_dir=") ? "redirect_dir=on" : $0 }
        return copy
    }
}
