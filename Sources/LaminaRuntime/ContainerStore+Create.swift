import Foundation
import LaminaImage
import LaminaSystem

extension ContainerStore {
    /// Creates a container ready for `runc run`: its record, upper and work directories, the
    /// image's merged view mounted on its rootfs, and its bundle's config.json. Fails with one
    /// clear error (unknown image, name in use, command not in the image, mount busy...) and then
    /// leaves nothing behind. The image's layers are held for the container from before they are
    /// mounted until it is removed (`ContainerStore+Holds`).
    public func create(_ options: RunOptions) throws(RuntimeError) -> ContainerRecord {
        _ = try runc()
        let kind = try RootfsMounter.kind()
        let rootless = try RootlessIdentity.prepare(mounter: kind)
        let details = try RuntimeError.image { () throws(ImageError) in try images.details(try images.resolve(options.image)) }
        _ = try ContainerProcess.arguments(image: ImageRunConfig(details.config.config), options: options)
        if let name = options.name, !ContainerName.isValid(name) { throw .invalidName(name) }
        if options.detach && options.terminal {
            throw .invalidArgument("-t needs a container in the foreground: drop -d or -t")
        }
        for volume in options.volumes where (try? PosixCall.stat(volume.hostPath)) == nil {
            throw .invalidArgument("volume source \(volume.hostPath) does not exist")
        }
        if let hostname = options.hostname, !ContainerName.isValidHostname(hostname) { throw .invalidHostname(hostname) }
        if options.initProcess { _ = try InitProcess.locate() }

        var record = try allocate(options, imageID: details.id.description, lower: [], command: [], mounter: kind)
        record.rootless = rootless
        do {
            let held = try holdImage(options.image, for: record)
            let imageConfig = ImageRunConfig(held.details.config.config)
            record.imageID = held.details.id.description
            record.lowerDirectories = held.layerDirectories
            record.command = try ContainerProcess.arguments(image: imageConfig, options: options)
            try write(record)
            if rootless != nil {
                // Its own mount is made in its user namespace when it starts (ContainerStore+Rootless).
                try withReadOnlyView(of: record) { () throws(RuntimeError) in
                    try writeBundle(&record, options: options, image: imageConfig)
                }
                return record
            }
            record.mountDaemon = try mountRootfs(record)
            try write(record)
            try writeBundle(&record, options: options, image: imageConfig)
        } catch {
            try? removeFiles(of: record)
            throw error
        }
        return record
    }

    /// The process (resolved against the image mounted on the rootfs), its working directory, and
    /// the bundle's config.json; the record learns the final command and runc's mount targets.
    private func writeBundle(_ record: inout ContainerRecord, options: RunOptions, image: ImageRunConfig) throws(RuntimeError) {
        let id = record.id
        let process = try ContainerProcess(image: image, options: options, rootfs: rootfs(id))
        if record.rootless == nil, RootfsPath.resolve(process.cwd, in: rootfs(id)) == nil {
            try RootfsPath.makeDirectories(process.cwd, in: rootfs(id))
        }
        let initProcess = options.initProcess ? try InitProcess.locate() : nil
        let spec = RuntimeSpec(
            process: initProcess?.wrap(process.spec(terminal: options.terminal)) ?? process.spec(terminal: options.terminal),
            root: RuntimeSpec.Root(path: rootfs(id), readonly: options.readOnlyRoot),
            hostname: options.hostname ?? record.shortID,
            mounts: RuntimeSpec.mounts(rootless: record.rootless != nil, hostNetwork: options.hostNetwork)
                + options.volumes.map(RuntimeSpec.bind) + (initProcess.map { [$0.mount] } ?? []),
            linux: RuntimeSpec.Linux(
                namespaces: RuntimeSpec.namespaces(hostNetwork: options.hostNetwork),
                maskedPaths: RuntimeSpec.maskedPaths, readonlyPaths: RuntimeSpec.readonlyPaths,
                resources: RuntimeSpec.Resources(devices: record.rootless == nil ? [RuntimeSpec.DeviceRule(allow: false, access: "rwm")] : [])))
        try writeJSON(spec, to: bundleDirectory(id) + "/config.json")
        record.command = process.args
        record.mountTargets = spec.mounts.map(\.destination)
        try write(record)
    }

    /// Picks an id and a free name and makes the container's directories, under the store lock.
    private func allocate(
        _ options: RunOptions, imageID: String, lower: [String], command: [String], mounter: RootfsMounter.Kind
    ) throws(RuntimeError) -> ContainerRecord {
        let lock = try lockStore()
        defer { _ = lock }
        let existing = containers()
        if let name = options.name, let holder = existing.first(where: { $0.name == name }) {
            throw .nameInUse(name: name, id: holder.id)
        }
        var name = options.name ?? ContainerName.generate()
        while options.name == nil && existing.contains(where: { $0.name == name }) {
            name = ContainerName.generate() + "_\(UInt16.random(in: 0...UInt16.max))"
        }
        let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
        let record = ContainerRecord(
            id: id, name: name, image: options.image, imageID: imageID, lowerDirectories: lower, command: command,
            created: Self.now(), terminal: options.terminal, detached: options.detach, autoRemove: options.autoRemove,
            mounter: mounter, monitor: nil, mountDaemon: nil, stopTimeout: options.stopTimeout)
        try RuntimeError.system { () throws(SystemError) in
            try PosixCall.makeDirectory(directory(id), mode: 0o700)
            for path in [upperDirectory(id), workDirectory(id), rootfs(id)] {
                try PosixCall.makeDirectory(path, mode: 0o755)
            }
        }
        try write(record)
        return record
    }
}
