import ArgumentParser
import Foundation
import LaminaImage
import LaminaRuntime

/// `lamina inspect NAME...`: containers (and, for a name no container has, images) in detail,
/// as a JSON array with docker's field names, or each through `--format`.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show containers (or images) in detail, as JSON.",
        discussion: "A name is looked up among containers first, then images (as docker inspect does).")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Print each through a template: {{.State.Pid}}, {{json .Config.Env}}.", valueName: "template"))
    var format: String?
    @Option(help: ArgumentHelp("Only this kind of object: container or image.", valueName: "kind"))
    var type: Kind?

    @Argument(help: "Containers or images (name or id).", completion: .custom(Completion.containers)) var names: [String]

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case container, image
    }

    func run() throws {
        let template = try format.map(FormatTemplate.init)
        let values: [JSONValue] = try storeOptions.run("lamina inspect") { store in
            try names.map { name in
                if type != .image, let details = try? store.inspect(name) { return try Self.json(details) }
                if type == .container { _ = try store.inspect(name) }
                do {
                    return try Self.json(try ImageInspect.report(for: name, in: store.images))
                } catch ImageError.imageNotFound {
                    throw RuntimeError.invalidArgument("no such container or image: \(name)")
                }
            }
        }
        guard let template else { return try printJSON(values) }
        for value in values { print(template.render(value)) }
    }

    private static func json<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }
}
