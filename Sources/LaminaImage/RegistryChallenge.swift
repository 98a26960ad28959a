/// A parsed `WWW-Authenticate` header: the scheme (`Basic` or `Bearer`) and its parameters
/// (`realm`, `service`, `scope`).
///
/// https://distribution.github.io/distribution/spec/auth/token/
/// Immutable value.
struct RegistryChallenge: Equatable {
    var scheme: String
    var parameters: [String: String]

    init?(header: String) {
        let trimmed = header.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            scheme = String(trimmed)
            parameters = [:]
            return
        }
        scheme = String(trimmed[..<space])
        var parameters: [String: String] = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: " ,")
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            parameters[key.lowercased()] = value
            rest = rest.drop { $0 == "," || $0 == " " }
        }
        self.parameters = parameters
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(self.drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
