import LaminaSystem

/// Runs `body`, answering nil when it fails with one of the `expected` errnos ("nothing there"),
/// and rethrowing any other error.
func unlessFailing<T>(with expected: Int32..., do body: () throws -> T) throws -> T? {
    do {
        return try body()
    } catch {
        if let failure = error as? SystemError, expected.contains(failure.errno) { return nil }
        throw error
    }
}
