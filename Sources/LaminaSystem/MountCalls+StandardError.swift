import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension MountCalls {
    /// Runs `body` with this process's standard error sent to an anonymous file, then puts it back
    /// and returns what was written there: by `body`, and by programs it ran and waited for. libfuse
    /// mounts as a plain user through fusermount3, which tells why a mount was refused only on its
    /// standard error (a background daemon's goes to /dev/null). Writes from other threads meanwhile
    /// land in the file too. Where the file cannot be made, `body` runs as is and nothing is captured.
    public static func capturingStandardError<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (result: T, captured: String) {
        let file = clamina_anonymous_file("/tmp")
        let saved = file >= 0 ? dup(STDERR_FILENO) : -1
        guard file >= 0, saved >= 0, dup2(file, STDERR_FILENO) >= 0 else {
            if file >= 0 { close(file) }
            if saved >= 0 { close(saved) }
            return (try body(), "")
        }
        defer { close(file) }
        let result: T
        do {
            result = try body()
        } catch {
            _ = dup2(saved, STDERR_FILENO)
            close(saved)
            throw error
        }
        _ = dup2(saved, STDERR_FILENO)
        close(saved)
        _ = lseek(file, 0, SEEK_SET)
        let bytes = (try? readToEnd(file)) ?? []
        return (result, String(decoding: bytes, as: UTF8.self))
    }
}
