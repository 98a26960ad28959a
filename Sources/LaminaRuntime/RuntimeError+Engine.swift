import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension RuntimeError {
    /// Runs union-engine calls (which throw `SystemError`s untyped), reporting their failure as a
    /// runtime error.
    static func engine<T>(_ operation: String, _ body: () throws -> T) throws(RuntimeError) -> T {
        do {
            return try body()
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .system(SystemError("\(operation): \(error)", errno: EIO))
        }
    }
}
