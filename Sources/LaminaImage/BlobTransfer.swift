import Foundation
import LaminaSystem
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One blob download streamed into a file as its bytes arrive, with its progress: a successful
/// response's body is written at increasing offsets, an error response's (small) body is kept
/// for the message.
///
/// The session's delegate queue calls `receive` and `complete`; one task awaits `outcome`. The
/// state is behind a `Mutex` (held for memory work only: the file write happens outside it, and
/// the delegate queue is serial, so writes never overlap).
final class BlobTransfer: Sendable {
    private struct State {
        var written: Int64 = 0
        var errorBody = Data()
        var failed: ImageError?
        var outcome: Result<HTTPURLResponse, ImageError>?
        var waiter: CheckedContinuation<Result<HTTPURLResponse, ImageError>, Never>?
    }

    private let file: FileDescriptor
    private let base: String
    private let progress: (@Sendable (Int64) -> Void)?
    private let state = Mutex(State())

    init(file: FileDescriptor, base: String, progress: (@Sendable (Int64) -> Void)?) {
        self.file = file
        self.base = base
        self.progress = progress
    }

    /// The bytes of an error response's body (for the message).
    var errorBody: Data { state.withLock { $0.errorBody } }

    func receive(_ data: Data, response: HTTPURLResponse?) {
        guard let response, (200..<300).contains(response.statusCode) else {
            state.withLock { if $0.errorBody.count < 65536 { $0.errorBody.append(data) } }
            return
        }
        let offset = state.withLock { $0.failed == nil ? $0.written : -1 }
        guard offset >= 0 else { return }
        do {
            try file.write([UInt8](data), at: off_t(offset))
        } catch {
            state.withLock { $0.failed = .system(error) }
            return
        }
        let written = state.withLock { state in
            state.written += Int64(data.count)
            return state.written
        }
        progress?(written)
    }

    func complete(response: HTTPURLResponse?, error: (any Error)?) {
        let outcome: Result<HTTPURLResponse, ImageError>
        if let failed = state.withLock({ $0.failed }) {
            outcome = .failure(failed)
        } else if let error {
            outcome = .failure(.transport(base, error))
        } else if let response {
            outcome = .success(response)
        } else {
            outcome = .failure(.registry("\(base): not an HTTP response"))
        }
        let waiter = state.withLock { state in
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// Waits for the download's end.
    func outcome() async -> Result<HTTPURLResponse, ImageError> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.outcome == nil { state.waiter = continuation }
                return state.outcome
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
