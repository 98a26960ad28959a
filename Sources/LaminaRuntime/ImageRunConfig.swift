import LaminaImage

/// The run settings of an image config (`config.Entrypoint`, `Cmd`, `Env`, `WorkingDir`, `User`),
/// read out of the raw JSON the store keeps.
///
/// https://github.com/opencontainers/image-spec/blob/main/config.md#properties. Immutable value.
struct ImageRunConfig: Sendable, Equatable {
    var entrypoint: [String] = []
    var cmd: [String] = []
    var env: [String] = []
    var workingDir = ""
    var user = ""

    /// The settings of a running container's process, as `lamina exec` starts from them.
    init(env: [String], workingDir: String, user: String) {
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }

    init(_ json: JSONValue?) {
        guard case .object(let fields) = json else { return }
        entrypoint = Self.strings(fields["Entrypoint"])
        cmd = Self.strings(fields["Cmd"])
        env = Self.strings(fields["Env"])
        workingDir = Self.string(fields["WorkingDir"])
        user = Self.string(fields["User"])
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items) = value else { return [] }
        return items.compactMap { item in
            if case .string(let text) = item { return text }
            return nil
        }
    }

    private static func string(_ value: JSONValue?) -> String {
        if case .string(let text) = value { return text }
        return ""
    }
}
