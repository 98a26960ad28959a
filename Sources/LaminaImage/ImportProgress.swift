/// How far an import or pull has come, for a progress bar.
///
/// Immutable value, sent to a `@Sendable` callback.
public struct ImportProgress: Sendable {
    public var layersDone: Int
    public var layersTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var message: String

    public init(layersDone: Int, layersTotal: Int, bytesDone: Int64, bytesTotal: Int64, message: String) {
        self.layersDone = layersDone
        self.layersTotal = layersTotal
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.message = message
    }
}

/// Receives progress; called from the importing task.
public typealias ProgressHandler = @Sendable (ImportProgress) -> Void
