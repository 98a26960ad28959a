import CLaminaSystem

/// open(2) flags that Swift's Glibc module does not export (they need _GNU_SOURCE in C).
public enum OpenFlags {
    /// O_DIRECT: I/O without the page cache.
    public static let direct: Int32 = clamina_o_direct()
    /// O_PATH: a descriptor that only names a file (usable as the directory of `*at` calls).
    public static let path: Int32 = clamina_o_path()
    /// O_TMPFILE: an unnamed file in the given directory, freed when its last descriptor closes.
    public static let temporaryFile: Int32 = clamina_o_tmpfile()
}
