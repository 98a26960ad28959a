/// fuse-overlayfs and kernel overlayfs `-o` options: what each one does to a `MountOptions`.
/// docs/compatibility.md lists the same table for users.
extension MountOptions {
    /// Applies one `-o` argument: options separated by commas; a comma inside double quotes (an
    /// SELinux `context="...:c1,c2"`) or after a backslash does not separate.
    public mutating func apply(optionList: String) throws(MountError) {
        for option in Self.splitOptionList(optionList) where !option.isEmpty {
            try apply(option: option)
        }
    }

    /// Applies a single option such as `lowerdir=/a:/b` or `nodev`.
    public mutating func apply(option: String) throws(MountError) {
        let name: String
        let value: String?
        if let equals = option.firstIndex(of: "=") {
            name = String(option[..<equals])
            value = String(option[option.index(after: equals)...])
        } else {
            name = option
            value = nil
        }
        switch (name, value) {
        case ("lowerdir", let value?): lowerDirectories = try Self.layerPaths(value)
        case ("lowerdir+", let value?): lowerDirectories.append(contentsOf: try Self.layerPaths(value))
        case ("lowerindex", let value?): lowerIndexPaths = Self.colonSeparated(value)  // empty: no index for that layer
        case ("upperdir", let value?): upperDirectory = try Self.singlePath(value, option: name)
        case ("workdir", let value?): workDirectory = try Self.singlePath(value, option: name)
        case ("uidmapping", let value?): idMapping.uidRanges = try IDMapping.ranges(parsing: value, option: name)
        case ("gidmapping", let value?): idMapping.gidRanges = try IDMapping.ranges(parsing: value, option: name)
        case ("squash_to_root", nil):
            idMapping.squashUID = idMapping.squashUID ?? 0
            idMapping.squashGID = idMapping.squashGID ?? 0
        case ("squash_to_uid", let value?): idMapping.squashUID = try Self.number(value, option: name)
        case ("squash_to_gid", let value?): idMapping.squashGID = try Self.number(value, option: name)
        case ("static_nlink", nil): staticDirectoryLinks = true
        case ("fsync", let value?): synchronizes = try Self.number(value, option: name) != 0
        case ("volatile", nil): synchronizes = false
        case ("noxattrs", let value?): extendedAttributes = try Self.number(value, option: name) == 0
        case ("xattr_permissions", let value?):
            guard try Self.number(value, option: name) == 0 else {
                throw MountError(.usage, "xattr_permissions=\(value) is not supported: Lamina stores owners and modes on the files themselves")
            }
        case ("timeout", let value?):
            guard let seconds = Double(value), seconds >= 0, seconds.isFinite else {
                throw MountError(.usage, "invalid timeout=\(value): expected a number of seconds")
            }
            cacheTimeout = seconds
        case ("debug", nil): debug = true
        case ("ro", nil): readOnlyRequested = true
        case ("rw", nil): readOnlyRequested = false
        case ("userxattr", nil): markerNamespace = "user.overlay."
        case ("allow_other", nil): allowOther = true
        case ("fsname", let value?): fileSystemName = value
        case ("subtype", let value?): subtype = value
        case ("clone_fd", nil): cloneDescriptor = true
        case ("max_idle_threads", let value?): maxIdleThreads = Int32(clamping: try Self.number(value, option: name))
        case ("max_threads", let value?): maxThreads = try Self.number(value, option: name)
        case ("auto_unmount", nil): autoUnmount = true
        case ("passthrough", let value?):
            guard let mode = PassthroughMode(rawValue: value) else {
                throw MountError(.usage, "invalid passthrough=\(value): expected on, off, auto or all")
            }
            passthrough = mode
        case ("uring", let value?):
            switch value {
            case "on": uring = true
            case "off": uring = false
            default: throw MountError(.usage, "invalid uring=\(value): expected on or off")
            }
        case ("acl", nil): checksAccessControlLists = true
        case ("noacl", nil): checksAccessControlLists = false
        case ("killpriv", let value?):
            switch value {
            case "on": clearsSetIDBits = true
            case "off": clearsSetIDBits = false
            default: throw MountError(.usage, "invalid killpriv=\(value): expected on or off")
            }
        case ("spin", let value?):
            guard let microseconds = Int(value), (0...10_000).contains(microseconds) else {
                throw MountError(.usage, "invalid spin=\(value): expected microseconds from 0 (off) to 10000")
            }
            spinMicroseconds = microseconds
        case ("nosuid", nil), ("nodev", nil), ("noexec", nil), ("noatime", nil), ("sync", nil), ("dirsync", nil):
            setKernelFlag(name)
        case ("suid", nil): clearKernelFlag("nosuid")
        case ("dev", nil): clearKernelFlag("nodev")
        case ("exec", nil): clearKernelFlag("noexec")
        case ("atime", nil): clearKernelFlag("noatime")
        case ("async", nil): clearKernelFlag("sync")
        case ("verity", let value?) where value != "off":
            throw MountError(.usage, "verity=\(value) is not supported")
        case ("datadir+", _):
            throw MountError(.usage, "data-only lower layers (datadir+=) are not supported")
        case ("threaded", let value?), ("fast_ino", let value?), ("writeback", let value?):
            _ = try Self.number(value, option: name)
            ignoredOptions.append(option)
        default:
            guard Self.isAcceptedAndIgnored(name: name, hasValue: value != nil) else {
                throw MountError(.usage, "unknown mount option '\(option)'")
            }
            ignoredOptions.append(option)
        }
    }

    /// Checks that the options name a complete mount (both command lines call this).
    public func validated() throws(MountError) -> MountOptions {
        guard !lowerDirectories.isEmpty else { throw MountError(.usage, "no lower directory given (lowerdir=)") }
        guard !mountPoint.isEmpty else { throw MountError(.usage, "no mount point given") }
        if upperDirectory != nil && workDirectory == nil && !readOnlyRequested {
            throw MountError(.usage, "an upper directory needs a work directory (workdir=) on the same file system")
        }
        return self
    }

    private static let ignoredFlags: Set<String> = [
        "allow_root", "default_permissions", "kernel_cache", "auto_cache",
        "splice_read", "splice_write", "splice_move", "no_splice_read", "no_splice_write", "no_splice_move",
        "big_writes", "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime",
        "diratime", "nodiratime", "symfollow", "nosymfollow", "iversion", "noiversion", "silent", "loud",
        "defaults", "auto", "noauto", "user", "nouser", "users", "owner", "nofail", "_netdev", "nonempty",
    ]

    private static let ignoredValues: Set<String> = [
        "plugins", "redirect_dir", "context", "fscontext", "defcontext", "rootcontext", "metacopy", "index",
        "xino", "nfs_export", "uuid", "verity", "max_write", "max_read", "max_readahead", "blksize",
        "max_background", "congestion_threshold", "user", "comment",
    ]

    private static func isAcceptedAndIgnored(name: String, hasValue: Bool) -> Bool {
        if name.hasPrefix("x-") { return true }
        return hasValue ? ignoredValues.contains(name) : ignoredFlags.contains(name)
    }

    private mutating func setKernelFlag(_ flag: String) {
        if !kernelFlags.contains(flag) { kernelFlags.append(flag) }
    }

    private mutating func clearKernelFlag(_ flag: String) {
        kernelFlags.removeAll { $0 == flag }
    }

    /// Splits an option list at commas outside double quotes and not escaped by a backslash.
    /// Quotes stay in the option; escaping backslashes are kept for `layerPaths` to read.
    static func splitOptionList(_ text: String) -> [String] {
        var options: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                current.append(character)
                quoted.toggle()
            } else if character == "," && !quoted {
                options.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        options.append(current)
        return options
    }

    /// Paths separated by `:`, where a backslash keeps the character after it (`:`, `,`, itself);
    /// empty paths are kept.
    static func colonSeparated(_ text: String) -> [String] {
        var paths: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                paths.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        paths.append(current)
        return paths
    }

    /// `lowerdir=` value: layer paths separated by `:` (a backslash escapes `:`, `,` and itself).
    static func layerPaths(_ text: String) throws(MountError) -> [String] {
        let paths = colonSeparated(text)
        for (position, path) in paths.enumerated() where path.isEmpty {
            if position > 0 && position < paths.count - 1 {
                throw MountError(.usage, "data-only lower layers ('::' in lowerdir=) are not supported")
            }
            throw MountError(.usage, "empty path in lowerdir=\(text)")
        }
        for path in paths where path.hasPrefix("//") {
            throw MountError(.usage, "fuse-overlayfs plugin layers are not supported: \(path)")
        }
        return paths
    }

    private static func singlePath(_ text: String, option: String) throws(MountError) -> String {
        let paths = try layerPaths(text)
        guard paths.count == 1 else { throw MountError(.usage, "\(option)= takes one directory, got \(text)") }
        return paths[0]
    }

    private static func number(_ text: String, option: String) throws(MountError) -> UInt32 {
        guard let value = UInt32(text) else { throw MountError(.usage, "invalid \(option)=\(text): expected a number") }
        return value
    }
}
