import LaminaSystem

/// `lamina run --init`: tini, the init docker ships as docker-init, runs as the container's PID 1
/// and starts the command as its child. It passes signals on and reaps every orphan, which a
/// command that is not written to be PID 1 never does (its zombies would pile up).
///
/// The static build is bound read-only at `/dev/init` (/dev is the container's own tmpfs, so
/// nothing is added to the writable layer) and works in any image. Immutable value.
struct InitProcess: Sendable {
    /// The host's static tini.
    let executable: String

    static let path = "/dev/init"

    /// Finds tini-static (Debian's `tini` package) or docker-init in `PATH`.
    static func locate() throws(RuntimeError) -> InitProcess {
        for name in ["tini-static", "docker-init"] {
            if let executable = ExternalCommand.find(name) { return InitProcess(executable: executable) }
        }
        throw .invalidArgument("--init needs tini's static build, which is not installed: apt-get install -y tini")
    }

    var mount: RuntimeSpec.Mount {
        RuntimeSpec.Mount(destination: Self.path, type: "bind", source: executable, options: ["rbind", "rprivate", "ro"])
    }

    /// `process` run under the init: `/dev/init -- ARGS...`.
    func wrap(_ process: RuntimeSpec.Process) -> RuntimeSpec.Process {
        var wrapped = process
        wrapped.args = [Self.path, "--"] + process.args
        return wrapped
    }
}
