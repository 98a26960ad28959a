import ArgumentParser

/// Finds a command word the command tree does not have, so `lamina frobnicate x` says that
/// `frobnicate` is no lamina command instead of "2 unexpected arguments".
///
/// Stateless namespace.
enum CommandLineCheck {
    /// The first word that stands where a subcommand must and names none, with the command path
    /// before it (`lamina image`), or nil.
    static func unknownCommand(in arguments: [String], of root: any ParsableCommand.Type) -> (word: String, parent: String)? {
        var command = root
        var path = [root.configuration.commandName ?? "lamina"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
            if word == "help" { return nil }
            guard let next = subcommands.first(where: { $0.configuration.commandName == word || $0.configuration.aliases.contains(word) })
            else { return (word, path.joined(separator: " ")) }
            command = next
            path.append(word)
        }
        return nil
    }
}
