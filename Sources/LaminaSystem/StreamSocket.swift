#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket on the loopback interface: what a benchmark's forwarding proxy listens, accepts
/// and connects with. Only 127.0.0.1: nothing here reaches another host.
///
/// A value type over the descriptor: whoever made it closes it (`close()`). Thread safety: the
/// kernel serialises calls; one thread may receive while another sends.
public struct StreamSocket: Sendable, Hashable {
    public let rawValue: Int32

    /// A socket listening on 127.0.0.1 at `port` (0: a free port the kernel picks; see `port`).
    public static func listen(port: UInt16 = 0, backlog: Int32 = 64) throws(SystemError) -> StreamSocket {
        let socket = try open()
        var yes: Int32 = 1
        _ = setsockopt(socket.rawValue, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket.rawValue, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(socket.rawValue, backlog) == 0 else {
            let error = SystemError.current("bind/listen 127.0.0.1:\(port)")
            socket.close()
            throw error
        }
        return socket
    }

    /// A socket connected to 127.0.0.1:`port`.
    public static func connect(port: UInt16) throws(SystemError) -> StreamSocket {
        let socket = try open()
        var address = loopback(port)
        let result = try retryingOnInterrupt("connect 127.0.0.1:\(port)") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket.rawValue, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        _ = result
        return socket
    }

    /// The next connection to a listening socket (blocks).
    public func accept() throws(SystemError) -> StreamSocket {
        let descriptor = try retryingOnInterrupt("accept") { Glibc.accept(rawValue, nil, nil) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return StreamSocket(rawValue: descriptor)
    }

    /// The local port of a bound socket.
    public var port: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(rawValue, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Up to `buffer.count` bytes received; 0 at the end of the stream.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try retryingOnInterrupt("recv") { recv(rawValue, buffer.baseAddress, buffer.count, 0) }
    }

    /// Sends all of `bytes`.
    public func send(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let sent = try retryingOnInterrupt("send") {
                Glibc.send(rawValue, bytes.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
            }
            done += sent
        }
    }

    /// Ends the sending direction (the peer reads end of stream).
    public func shutdownSending() {
        _ = shutdown(rawValue, Int32(SHUT_WR))
    }

    /// Ends both directions: a thread blocked in `accept` or `receive` on it returns.
    public func shutdownBoth() {
        _ = shutdown(rawValue, Int32(SHUT_RDWR))
    }

    public func close() {
        _ = Glibc.close(rawValue)
    }

    private static func open() throws(SystemError) -> StreamSocket {
        let descriptor = try retryingOnInterrupt("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        return StreamSocket(rawValue: descriptor)
    }

    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return address
    }
}
