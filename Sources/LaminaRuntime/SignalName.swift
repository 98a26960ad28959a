/// Signal names as `kill -s` and `docker kill -s` take them (`TERM`, `SIGTERM`, `term`, `15`,
/// `RTMIN+3`), checked before runc sees them so a bad one is one clear line, not runc's log.
///
/// Stateless namespace; Linux's numbering (x86 and arm).
enum SignalName {
    static let numbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18,
        "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27,
        "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
    ]
    static let realTimeMinimum: Int32 = 34
    static let maximum: Int32 = 64

    /// The signal's number.
    static func parse(_ text: String) throws(RuntimeError) -> Int32 {
        if let number = Int32(text) {
            guard (1...maximum).contains(number) else { throw .invalidSignal(text) }
            return number
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let number = numbers[name] { return number }
        for (base, sign) in [("RTMIN", Int32(1)), ("RTMAX", Int32(-1))] where name.hasPrefix(base) {
            let origin = base == "RTMIN" ? realTimeMinimum : maximum
            let rest = name.dropFirst(base.count)
            let offset = rest.isEmpty ? 0 : Int32(rest.dropFirst()).map { $0 * sign }
            let operatorOK = rest.isEmpty || rest.first == (sign > 0 ? "+" : "-")
            if operatorOK, let offset, (realTimeMinimum...maximum).contains(origin + offset) { return origin + offset }
        }
        throw .invalidSignal(text)
    }
}
