import Foundation

/// How far a lazily pulled layer is: still being fetched, complete and verified against its diff
/// id, or complete but not matching it (refused for commit and export).
///
/// Immutable value.
public enum LazyLayerState: Sendable, Equatable, CustomStringConvertible {
    /// The layer was pulled whole (or is not in the store lazily).
    case notLazy
    case incomplete
    case complete
    case mismatch(String)

    public var description: String {
        switch self {
        case .notLazy: "not lazy"
        case .incomplete: "incomplete"
        case .complete: "complete"
        case .mismatch(let reason): "diff id mismatch: \(reason)"
        }
    }
}

extension ImageStore {
    /// `STORE/lazy/sha256/BLOB-HEX/`: one lazily pulled layer, keyed by its blob digest (its diff id
    /// is only checked once it is complete): `record.json`, `index` (the layer index built from its
    /// table of contents), `blob` (the bytes fetched so far, at their offsets), `ranges` (which bytes
    /// those are), `files/ID` (verified file contents), `locks`, and `state` once complete.
    package var lazyLayersDirectory: String { root + "/lazy/sha256" }

    /// The directory of the lazily pulled layer whose blob is `digest`.
    public func lazyLayerPath(_ digest: Digest) -> String { lazyLayersDirectory + "/" + digest.encoded }

    /// The state of the layer whose blob is `digest`.
    public func lazyLayerState(_ digest: Digest) -> LazyLayerState {
        let directory = lazyLayerPath(digest)
        guard exists(directory + "/record.json") else { return .notLazy }
        guard let text = try? String(contentsOfFile: directory + "/state", encoding: .utf8) else { return .incomplete }
        if text.hasPrefix("complete") { return .complete }
        return .mismatch(String(text.drop(while: { $0 != " " }).dropFirst()).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Refuses an image with a lazily pulled layer that is incomplete or does not match its diff id:
    /// what export and push must not hand out. A commit builds on an incomplete layer (the new image
    /// shares it, and is checked as it completes) but never on a mismatched one.
    package func requireCompleteLayers(_ manifest: ImageManifest, for what: String, allowingIncomplete: Bool = false) throws(ImageError) {
        for layer in manifest.layers {
            switch lazyLayerState(layer.digest) {
            case .notLazy, .complete:
                continue
            case .incomplete where allowingIncomplete:
                continue
            case .incomplete:
                throw .layerNotFound("\(layer.digest) is lazily pulled and not complete yet: `lamina image fetch` first (\(what))")
            case .mismatch(let reason):
                throw .malformed(what: "layer \(layer.digest)", reason: "its content does not match its diff id (\(reason)); refused for \(what)")
            }
        }
    }
}
