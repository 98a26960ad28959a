import ArgumentParser

/// `lamina image`: the image store's commands, one per file in this folder.
public struct ImageCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Import, pull, push, list, compose and export images in the store.",
        subcommands: [
            ImageImport.self, ImagePull.self, ImagePush.self, ImageList.self, ImageInspect.self, ImageTag.self,
            ImageRemove.self, ImagePrune.self, ImageExport.self, ImageCompose.self, ImageMount.self, ImageConvert.self,
            ImageFetch.self,
        ])
}
