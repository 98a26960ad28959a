/// A group of measured steps that share one fresh mount per repetition: the first step runs
/// cold (fresh mount, caches dropped), later steps run on what the first left in the caches.
public enum Workload: String, CaseIterable, Codable, Sendable {
    case walk
    case statBottom = "stat-bottom"
    case statMissing = "stat-missing"
    case listBig = "list-big"
    case readSmall = "read-small"
    case copyUp = "copy-up"
    case create
    case unlinkLower = "unlink-lower"
    case renameDirectory = "rename-dir"
    /// Mount plus `runc run` of `true` plus unmount (see `ContainerStart`).
    case containerStart = "container-start"

    /// The figures this workload reports, in the order it measures them.
    public var figures: [String] {
        switch self {
        case .walk: ["walk-cold", "walk-warm"]
        case .statBottom: ["stat-bottom", "stat-bottom-again"]
        case .statMissing: ["stat-missing", "stat-missing-again"]
        case .listBig: ["list-big-cold", "list-big-again"]
        case .readSmall: ["read-small", "read-small-again"]
        case .copyUp: ["copy-up"]
        case .create: ["create", "unlink-new"]
        case .unlinkLower: ["unlink-lower", "remove-tree"]
        case .renameDirectory: ["rename-dir"]
        case .containerStart: ["container-start"]
        }
    }

    /// The workload that reports figure `name`, if any.
    public static func reporting(_ name: String) -> Workload? {
        allCases.first { $0.rawValue == name || $0.figures.contains(name) }
    }

    /// Which statistic a figure is judged by: the minimum where the upper file system's journal
    /// makes repetitions noisy (fsync-heavy creates and their unlinks), the median elsewhere.
    public static func statistic(of figure: String) -> Statistic {
        figure == "create" || figure == "unlink-new" ? .minimum : .median
    }

    /// One line saying what the figure measures (for the table's legend and the docs).
    public static func explanation(of figure: String) -> String {
        switch figure {
        case "walk-cold": "walk the whole tree, lstat of every entry (cold)"
        case "walk-warm": "the same walk again on the same mount"
        case "stat-bottom": "stat of random files that live only in the bottom layer (cold)"
        case "stat-bottom-again": "the same stats again"
        case "stat-missing": "lstat of random names that exist in no layer (cold)"
        case "stat-missing-again": "the same negative lookups again"
        case "list-big-cold": "readdir of the 20,000-entry directory spread over every layer (cold)"
        case "list-big-again": "the same listing again"
        case "read-small": "open, read and close every small file (cold)"
        case "read-small-again": "the same reads again (pages and attributes cached)"
        case "copy-up": "append one byte to the big bottom-layer file, then fsync (cold)"
        case "create": "create, write 100 bytes, fsync and close new files in a lower directory"
        case "unlink-new": "unlink the files just created"
        case "unlink-lower": "unlink random lower files (cold)"
        case "remove-tree": "rm -r of a lower directory tree"
        case "rename-dir": "mv of a lower directory: rename(2), else mv's copy-and-delete"
        case "container-start": "mount, write an OCI bundle, `runc run` of busybox `true`, unmount"
        default: figure
        }
    }
}

/// How repetitions are summarised.
public enum Statistic: String, Codable, Sendable {
    case median, minimum
}
