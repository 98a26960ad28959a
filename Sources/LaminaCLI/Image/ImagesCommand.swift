import ArgumentParser

/// `lamina images`: `lamina image ls` under docker's short name.
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List images (as `lamina image ls`).")

    @OptionGroup var list: ImageList

    func run() throws {
        try list.run()
    }
}

/// `lamina rmi`: `lamina image rm` under docker's short name.
struct RemoveImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove images (as `lamina image rm`).")

    @OptionGroup var remove: ImageRemove

    func run() throws {
        try remove.run()
    }
}
