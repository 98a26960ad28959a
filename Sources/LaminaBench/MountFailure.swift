/// Why an implementation could not be mounted: the run skips it with this one line.
public struct MountFailure: Error, CustomStringConvertible, Sendable {
    public let implementation: Implementation
    public let reason: String

    public init(_ implementation: Implementation, _ reason: String) {
        self.implementation = implementation
        self.reason = reason
    }

    public var description: String { "\(implementation.rawValue): \(reason)" }
}
