import ArgumentParser
import Foundation
import LaminaImage
import LaminaRuntime

/// Shell completion of the names in the store: `lamina run <TAB>` offers images, `lamina exec
/// <TAB>` containers. The generated scripts (`lamina --generate-completion-script bash|zsh|fish`)
/// call back into lamina with the words typed so far, and these functions answer.
///
/// Stateless namespace; reads the store named by `--store` among the words, else the default one.
enum Completion {
    /// Image names in the store (and `<none>` images by short id).
    @Sendable static func images(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        guard let store = existingStore(words), let records = try? store.images() else { return [] }
        let names = records.map { $0.name ?? String($0.manifest.digest.encoded.prefix(12)) }
        return names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Container names.
    @Sendable static func containers(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        guard let images = existingStore(words),
              let store = try? ContainerStore(images: images, laminaExecutable: "lamina") else { return [] }
        return store.containers().map(\.name).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The store the words name, if there is one (completing never makes a store).
    static func existingStore(_ words: [String]) -> ImageStore? {
        let root = storeRoot(words)
        guard FileManager.default.fileExists(atPath: root + "/index.json") else { return nil }
        return try? ImageStore(root: root)
    }

    /// `--store DIR` or `--store=DIR` among the words, else the default store.
    static func storeRoot(_ words: [String]) -> String {
        for (position, word) in words.enumerated() {
            if word == "--store", position + 1 < words.count { return words[position + 1] }
            if word.hasPrefix("--store=") { return String(word.dropFirst(8)) }
        }
        return ImageStore.defaultRoot()
    }
}
