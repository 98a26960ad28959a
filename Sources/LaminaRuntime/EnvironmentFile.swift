import LaminaSystem

/// `--env-file`: environment variables one a line, as docker reads them: `K=V` taken as written
/// (quotes included), `K` alone taking lamina's own value, blank lines and `#` comments skipped.
///
/// Stateless namespace.
public enum EnvironmentFile {
    /// The entries of the file at `path`, in order.
    public static func read(_ path: String) throws(RuntimeError) -> [String] {
        let bytes = try RuntimeError.system { () throws(SystemError) in try MountCalls.readFile(path) }
        return try parse(String(decoding: bytes, as: UTF8.self), name: path)
    }

    static func parse(_ text: String, name: String) throws(RuntimeError) -> [String] {
        var entries: [String] = []
        // "\r\n" is one Character to Swift: split on it too, so files written on Windows read alike.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (number, rawLine) in lines.enumerated() {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }.replacing("\r", with: "")
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key = line.prefix { $0 != "=" }
            guard !key.isEmpty, !key.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw .invalidArgument("\(name), line \(number + 1): '\(line)' is not K=V (a variable name has no spaces)")
            }
            entries.append(String(line))
        }
        return entries
    }
}
