import ArgumentParser

/// Runs an image command's body, turning any error into one line on standard error
/// (`lamina image import: blob sha256:… is missing`) and exit status 1.
func reportingErrors<T>(_ command: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw ErrorLine.report("lamina image \(command)", error)
    }
}
