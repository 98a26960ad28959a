import CFuse

/// Facts about the libfuse this program runs with, for `--version` output.
public enum FUSELibrary {
    /// libfuse's package version, such as "3.14.0".
    public static var version: String { String(cString: fuse_pkgversion()) }
}
