import Foundation
import Glibc
import LaminaSystem
import Synchronization

/// A TCP listener that accepts connections and never answers: a registry that stalls. Holds what
/// it accepts until `stop()`.
///
/// Thread-safe: the accepting thread and the test share only atomics and the descriptor list,
/// which a mutex protects.
final class SilentListener: Sendable {
    private let socketDescriptor: Int32
    private let connections = Mutex<[Int32]>([])
    private let acceptedCount = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    /// Listens on `address` ("127.0.0.1:PORT").
    init(address: String) throws {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw SystemError("listen \(address)", errno: EINVAL)
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let code = errno
            close(descriptor)
            throw SystemError("bind/listen \(address)", errno: code)
        }
        socketDescriptor = descriptor
        let thread = Thread { [self] in acceptUntilStopped() }
        thread.start()
    }

    var accepted: Int { acceptedCount.load(ordering: .acquiring) }

    private func acceptUntilStopped() {
        while !stopped.load(ordering: .acquiring) {
            var ready = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let connection = accept(socketDescriptor, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            connections.withLock { $0.append(connection) }
            acceptedCount.add(1, ordering: .releasing)
        }
    }

    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        usleep(200_000)
        close(socketDescriptor)
        connections.withLock { list in
            for connection in list { close(connection) }
            list.removeAll()
        }
    }
}
