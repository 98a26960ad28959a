import Foundation
import Glibc

/// The overlay implementation the mount tests compare with kernel overlayfs, chosen by
/// `LAMINA_TEST_IMPL` (default `lamina`). `fuse-overlayfs` runs the same scenarios against a
/// mature implementation, which proves the harness finds the differences that exist.
enum ImplementationUnderTest: String, Sendable, CaseIterable {
    /// `lamina mount --lower ... --upper ... --work ... --foreground MOUNTPOINT`, `lamina unmount`.
    case lamina
    /// `lamina-overlayfs -f -o lowerdir=...,upperdir=...,workdir=... MOUNTPOINT`, `fusermount3 -u`.
    case laminaOverlayfs = "lamina-overlayfs"
    /// `/usr/bin/fuse-overlayfs`, same command line as `lamina-overlayfs`.
    case fuseOverlayfs = "fuse-overlayfs"

    static func selected() throws -> ImplementationUnderTest {
        let value = ProcessInfo.processInfo.environment["LAMINA_TEST_IMPL"] ?? "lamina"
        guard let implementation = ImplementationUnderTest(rawValue: value.isEmpty ? "lamina" : value) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw HarnessError("LAMINA_TEST_IMPL=\(value) is not one of \(known)")
        }
        return implementation
    }

    /// Both of Lamina's front ends (`lamina mount` and `lamina-overlayfs`), for tests that must
    /// hold for each; just the selected implementation when `LAMINA_TEST_IMPL` names another.
    static var laminaFrontEnds: [ImplementationUnderTest] {
        let selected = (try? selected()) ?? .lamina
        return selected == .fuseOverlayfs ? [.fuseOverlayfs] : [.lamina, .laminaOverlayfs]
    }

    var displayName: String { rawValue }

    /// The program to run, checked to exist.
    func program() throws -> String {
        switch self {
        case .fuseOverlayfs:
            guard let path = TestHost.which("fuse-overlayfs") else {
                throw HarnessError("fuse-overlayfs is not installed (scripts/install-deps installs it)")
            }
            return path
        case .lamina, .laminaOverlayfs:
            return try Self.laminaBinary(rawValue)
        }
    }

    /// The `lamina` and `lamina-overlayfs` executables: in `LAMINA_BIN_DIR` when set, else beside the
    /// test bundle (SwiftPM puts the `.xctest` next to the products it builds).
    static func laminaBinary(_ name: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment["LAMINA_BIN_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let directory = environment ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .map { ($0 as NSString).deletingLastPathComponent } ?? ".")
        let path = directory + "/" + name
        guard access(path, X_OK) == 0 else {
            throw HarnessError(
                "\(name) not found at \(path): run `swift build` first, or set LAMINA_BIN_DIR to the directory holding it")
        }
        return path
    }
}
