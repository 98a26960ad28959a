import Foundation
import LaminaSystem

/// The OCI runtime: the `runc` binary, with its state kept under the store (`--root`) so
/// containers made by Lamina never mix with other runc users'.
///
/// Immutable value; every call runs `runc` once.
struct Runc: Sendable {
    let executable: String
    let root: String

    /// What `runc state` reports: created, running, paused or stopped, and the init pid.
    struct State: Decodable, Sendable {
        var status: String
        var pid: Int32
    }

    /// Finds runc in `PATH`; a missing runc is an error that says how to install it.
    static func locate(root: String) throws(RuntimeError) -> Runc {
        guard let executable = ExternalCommand.find("runc") else { throw .runcMissing }
        return Runc(executable: executable, root: root)
    }

    /// The arguments of `runc run` for a container whose bundle is `bundle`.
    func runArguments(id: String, bundle: String) -> [String] {
        ["--root", root, "run", "--bundle", bundle, id]
    }

    /// The state of container `id`, or nil when runc does not know it.
    func state(_ id: String) -> State? {
        guard let result = try? ExternalCommand.run(executable, ["--root", root, "state", id]), result.exitCode == 0 else {
            return nil
        }
        return try? JSONDecoder().decode(State.self, from: Data(result.output.utf8))
    }

    /// `runc kill`: sends `signal` (a number or a name such as TERM) to the container's processes.
    func kill(_ id: String, signal: String) throws(RuntimeError) {
        let result = try RuntimeError.system { () throws(SystemError) in
            try ExternalCommand.run(executable, ["--root", root, "kill", id, signal])
        }
        guard result.exitCode == 0 else { throw .runc(RuncMessage.parse(line: result.lastLine)) }
    }

    /// `runc delete --force`: kills what is left and forgets the container. Unknown ids are fine.
    func forceDelete(_ id: String) {
        _ = try? ExternalCommand.run(executable, ["--root", root, "delete", "--force", id])
    }
}
