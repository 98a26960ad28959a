/// What a descriptor-relative syscall takes as its path: a `FileName` (one component: the only form
/// the union engine uses, so nothing it does walks more than one name) or a `String` path (tools
/// outside the engine, and absolute paths given on a command line).
///
/// Conformers hand the syscall a NUL-terminated C string without copying where they can.
public protocol PathArgument: Sendable, CustomStringConvertible {
    func withPathCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R
}

extension FileName: PathArgument {
    @inlinable
    public func withPathCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        try withCString(body)
    }
}

extension String: PathArgument {
    @inlinable
    public func withPathCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withCString { pointer in
            do throws(E) {
                return .success(try body(pointer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
