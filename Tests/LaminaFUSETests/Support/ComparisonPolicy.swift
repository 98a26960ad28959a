/// Which fields of two trees must agree, and how strictly. Two policies cover the harness:
///
/// - `visible(threshold:)`: what a user of a tree sees; for merged views, and for upper layers after
///   `UpperNormalisation`. Every extended attribute is compared, overlay ones included: a merged
///   view must show none of its markers, and an upper layer's markers are what it means. Not
///   compared: inode numbers and devices (two mounts of two copies cannot share them; hard links
///   are compared as groups of names instead), ctime and atime (set by the clock), directory sizes
///   (a file system's own bookkeeping) and directory link counts (the kernel reports 1 for a merged
///   directory, the "unknown" convention `find` knows, and the real count elsewhere: neither means
///   anything for a union). Modification times follow `TimeRule.preservedOrFresh`.
/// - `exact`: a lower layer before and after a scenario: every field, inode and ctime included,
///   so any write, chmod or xattr change, even one undone later, shows.
struct ComparisonPolicy: Sendable {
    enum TimeRule: Sendable {
        /// Both times equal to the nanosecond.
        case exact
        /// Times before `threshold` (those the fixture or a scenario's `touch -d` set) must be equal;
        /// times after it (set by the clock during the scenario) must both be after it. The two
        /// mounts run one after the other, so their clock times never match exactly.
        case preservedOrFresh(threshold: Timestamp)
    }

    var times: TimeRule
    /// Inode numbers, devices and ctimes.
    var identity: Bool
    var directoryDetails: Bool

    static func visible(threshold: Timestamp) -> ComparisonPolicy {
        ComparisonPolicy(times: .preservedOrFresh(threshold: threshold), identity: false, directoryDetails: false)
    }

    static let exact = ComparisonPolicy(times: .exact, identity: true, directoryDetails: true)
}
