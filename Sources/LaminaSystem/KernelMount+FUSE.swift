#if canImport(Glibc)
import Glibc
#endif

extension KernelMount {
    /// Where fusermount3 may be installed (mount.fuse3 and libfuse look in the same places).
    static let fusermountCandidates = ["/usr/bin/fusermount3", "/bin/fusermount3", "/usr/local/bin/fusermount3"]

    /// Unmounts a FUSE mount: umount2(2) where this process may (root, or the root of the user
    /// namespace whose mount namespace holds it), else through fusermount3, which lets a plain user
    /// take down a mount they made. `lazily` detaches a busy mount (MNT_DETACH, `fusermount3 -z`).
    /// fusermount3's refusals come back as EBUSY (busy), EINVAL (not mounted) or EPERM.
    public static func unmountFUSE(_ target: String, lazily: Bool = false) throws(SystemError) {
        if Privilege.current != .user {
            do {
                try unmount(target, detach: lazily)
                return
            } catch where error.errno != EPERM {
                throw error
            }
        }
        guard let helper = fusermountCandidates.first(where: { access($0, X_OK) == 0 }) else {
            throw SystemError("umount (fusermount3 is not installed)", errno: EPERM, path: target)
        }
        let result = try ChildProcess.run(helper, ["-u"] + (lazily ? ["-z"] : []) + ["--", target], timeout: .seconds(60))
        guard result.exitCode != 0 else { return }
        // A byte search: String.contains(String) would link _StringProcessing (700 KiB) into the daemon.
        let text = Array(result.errorOutput.lowercased().utf8)
        func says(_ phrase: String) -> Bool {
            let wanted = Array(phrase.utf8)
            guard text.count >= wanted.count else { return false }
            return (0...(text.count - wanted.count)).contains { text[$0..<($0 + wanted.count)].elementsEqual(wanted) }
        }
        let code = says("busy") ? EBUSY : says("not found") || says("not mounted") ? EINVAL : EPERM
        throw SystemError("fusermount3 -u", errno: code, path: target)
    }
}
