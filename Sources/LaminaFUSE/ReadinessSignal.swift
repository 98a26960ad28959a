import Glibc
import LaminaSystem

/// The one message a background mount daemon sends the process that started it, over a pipe whose
/// descriptor is named in the environment: `ready`, or `error <one line>`. The starter prints the
/// error (or nothing) and exits, so callers such as podman see the mount live when it returns.
///
/// Owned by the daemon's main thread; each instance sends at most once.
public final class ReadinessSignal {
    /// Names the descriptor in the daemon's environment.
    public static let environmentVariable = "LAMINA_READY_FD"

    private var descriptor: Int32?

    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The signal a daemon was started with, if it was started by `BackgroundLaunch`.
    public static func fromEnvironment() -> ReadinessSignal? {
        guard let text = getenv(environmentVariable).map({ String(cString: $0) }), let descriptor = Int32(text),
              descriptor > 2 else { return nil }
        unsetenv(environmentVariable)
        return ReadinessSignal(descriptor: descriptor)
    }

    public func ready() {
        send("ready\n")
    }

    public func failed(_ message: String) {
        let line = message.split(separator: "\n").joined(separator: " ")
        send("error \(line)\n")
    }

    private func send(_ text: String) {
        guard let descriptor else { return }
        self.descriptor = nil
        try? MountCalls.writeAll(descriptor, Array(text.utf8))
        MountCalls.close(descriptor)
    }

    deinit {
        if let descriptor { MountCalls.close(descriptor) }
    }

    /// Reads the daemon's message: nil for `ready`, the error line otherwise (nil text means the
    /// daemon closed the pipe without a word).
    static func outcome(of bytes: [UInt8]) -> Result<Void, MountError> {
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        if line == "ready" { return .success(()) }
        if line.hasPrefix("error ") { return .failure(MountError(.system, String(line.dropFirst(6)))) }
        return .failure(MountError(.system, "the mount daemon exited before the mount was ready"))
    }
}
