import Foundation
import Glibc
import Testing

/// What this machine offers the mount tests, checked once: root, `/dev/fuse`, kernel overlayfs and
/// the tools the scenarios run. Mount tests carry `TestHost.mountComparisons` so that where one is
/// missing they are skipped with a message naming it, instead of failing.
enum TestHost {
    static let isRoot = getuid() == 0

    /// Why mount comparisons cannot run here, or nil when they can.
    static let mountComparisonBlocker: String? = {
        if !isRoot { return "mount comparison tests need root (they mount kernel overlayfs and FUSE)" }
        if access("/dev/fuse", R_OK | W_OK) != 0 { return "mount comparison tests need /dev/fuse" }
        if !kernelHasOverlay() { return "mount comparison tests need kernel overlayfs (modprobe overlay)" }
        return missingTool(["python3", "setfattr", "fusermount3", "cp", "find", "touch"]).map {
            "mount comparison tests need \($0) on PATH (scripts/install-deps installs it)"
        }
    }()

    /// The first of `tools` not found on PATH, or nil when every one is there.
    static func missingTool(_ tools: [String]) -> String? {
        tools.first { which($0) == nil }
    }

    /// Skips a mount test, with the reason, unless it can run here.
    static let mountComparisons: ConditionTrait = .enabled(
        if: mountComparisonBlocker == nil,
        Comment(rawValue: mountComparisonBlocker ?? "mount comparisons available"))

    /// Skips a podman test unless podman, runc and busybox are installed.
    static let podman: ConditionTrait = .enabled(
        if: which("podman") != nil && which("runc") != nil && which("busybox") != nil,
        "podman tests need podman, runc and busybox (scripts/install-deps installs them)")

    /// The full path of `program` found on PATH, or nil.
    static func which(_ program: String) -> String? {
        if program.hasPrefix("/") { return access(program, X_OK) == 0 ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func kernelHasOverlay() -> Bool {
        func listed() -> Bool {
            let filesystems = (try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8)) ?? ""
            return filesystems.split(separator: "\n").contains { $0.hasSuffix("\toverlay") }
        }
        if listed() { return true }
        // The module loads on first use; ask for it once, quietly.
        if let modprobe = which("modprobe") {
            _ = try? Command.run(modprobe, ["-q", "overlay"], timeout: .seconds(30))
        }
        return listed()
    }
}
