/// A container's merged view for work done outside the container (commit, cp): the live rootfs
/// mount while the container has one, else the image's layers and the container's writable
/// layer mounted on its rootfs for the work, on first need, and unmounted by `close`.
///
/// Not thread-safe: one operation holds one view.
final class MergedView {
    private let store: ContainerStore
    private let record: ContainerRecord
    /// The daemon of the mount this view made (`.some(nil)`: a kernel mount), nil before.
    private var temporaryMount: ProcessIdentity??

    init(store: ContainerStore, record: ContainerRecord) {
        self.store = store
        self.record = record
    }

    /// The merged root directory, mounting it if nothing is mounted there.
    func root() throws(RuntimeError) -> String {
        let id = record.id
        switch MountHealth.of(store.rootfs(id)) {
        case .mounted:
            return store.rootfs(id)
        case .stale:
            throw .mountBusy("the rootfs mount of \(record.name) is stale (its daemon is gone): `lamina rm -f \(record.name)`")
        case .absent:
            temporaryMount = .some(try store.mountRootfs(record))
            return store.rootfs(id)
        }
    }

    /// Unmounts what `root` mounted.
    func close() {
        if let daemon = temporaryMount {
            try? store.mounter(record.mounter).unmount(store.rootfs(record.id), daemon: daemon)
            temporaryMount = nil
        }
    }
}
