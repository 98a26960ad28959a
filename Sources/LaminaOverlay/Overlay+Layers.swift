import Glibc
import LaminaSystem

/// Which layer copies a merged directory is made of: its upper copy (if any), then its lower
/// sources, cut at the first opaque copy and redirected where a copy carries a valid redirect.
/// Everything here reads the layers; no directory lock is held while it runs.
extension Overlay {
    /// One copy of a directory in one layer, with its markers.
    struct DirectoryCopy {
        var layer: Int
        /// nil for the upper copy.
        var source: LayerDirectory?
        var markers: DirectoryMarkers
        /// The lower copy's entries, when the resolution read them (`Reading.listings`).
        var listing: LayerListing?
    }

    /// How much of each lower copy a resolution reads.
    enum Reading {
        /// Markers, the OCI opaque entry included (an fstatat per copy not in the bottom layer).
        case markers
        /// Markers and entries: the listing shows the opaque entry, so no fstatat looks for it
        /// (for an index build, which reads every listing anyway).
        case listings
    }

    /// The copies of `directory`, top-down. `lowerSources` are those its parent found (see
    /// `DirectoryBox.State`).
    func resolveCopies(of directory: Node, lowerSources: [LayerDirectory], reading: Reading = .markers) throws -> [DirectoryCopy] {
        var copies: [DirectoryCopy] = []
        var queue = lowerSources
        if directory.isUpper {
            let markers = try withUpperDirectory(directory) { try DirectoryMarkers.read($0) }
            copies.append(DirectoryCopy(layer: 0, source: nil, markers: markers))
            if markers.opaque { return copies }
            if let redirect = validRedirect(markers, in: directory, layer: 0) {
                queue = try redirectedSources(redirect, below: 0, parentOf: directory)
            }
        }
        var next = 0
        while next < queue.count {
            let source = queue[next]
            next += 1
            var markers: DirectoryMarkers
            var listing: LayerListing?
            do {
                markers = try source.markers(stack.cache, withOpaqueEntry: reading == .markers)
                if reading == .listings {
                    let read = try source.listing(stack.cache, markers: markers)
                    if !markers.opaque { source.noteOpaqueEntry(read.markers.opaque) }
                    markers = read.markers
                    listing = read
                }
            } catch let error as SystemError where error.errno == ENOENT {
                continue
            } catch let error as SystemError where error.errno == ENOTDIR || error.errno == ELOOP {
                break  // a non-directory (or a symlink) there ends the directory's lower stack
            }
            copies.append(DirectoryCopy(layer: source.layer, source: source, markers: markers, listing: listing))
            if markers.opaque { break }
            if let redirect = validRedirect(markers, in: directory, layer: source.layer) {
                queue.removeSubrange(next...)
                queue += try redirectedSources(redirect, below: source.layer, parentOf: directory)
            }
        }
        return copies
    }

    /// The directory's lower sources as resolved (cached in its state after the first time).
    func resolvedSources(of directory: Node, box: DirectoryBox) throws -> [LayerDirectory] {
        let (known, lowerSources) = box.state.withLock { ($0.resolvedSources, $0.lowerSources) }
        if let known { return known }
        let copies = try resolveCopies(of: directory, lowerSources: lowerSources)
        let sources = copies.compactMap(\.source)
        let upperAttributeWhiteouts = copies.first.map { $0.source == nil && $0.markers.holdsAttributeWhiteouts } ?? false
        box.state.withLock { state in
            if state.resolvedSources == nil {
                state.resolvedSources = sources
                state.upperHoldsAttributeWhiteouts = upperAttributeWhiteouts
            }
        }
        return sources
    }

    /// The redirect of a copy, when it has a valid one; an invalid one is logged and ignored.
    private func validRedirect(_ markers: DirectoryMarkers, in directory: Node, layer: Int) -> Redirect? {
        if let invalid = markers.invalidRedirect {
            logger.warning("ignored an invalid overlay redirect", metadata: [
                "value": "\(String(decoding: invalid, as: UTF8.self).debugDescription)",
                "layer": "\(layer)", "node": "\(directory.id)",
            ])
        }
        return markers.redirect
    }

    /// Where a redirect found in layer `layer` leads in each lower layer below it: for a sibling
    /// redirect, that name in the parent's own lower directories; for an absolute one, the path
    /// from each lower root, one component at a time (each opened with O_NOFOLLOW when first used,
    /// so a symlink on the way ends it).
    private func redirectedSources(_ redirect: Redirect, below layer: Int, parentOf directory: Node) throws -> [LayerDirectory] {
        switch redirect {
        case .sibling(let name):
            guard let parent = directory.parent, let box = parent.directory else { return [] }
            return try resolvedSources(of: parent, box: box).filter { $0.layer > layer }.map { $0.child(name) }
        case .absolute(let components):
            return stack.lowerRoots.compactMap { root in
                guard let root, root.layer > layer else { return nil }
                return components.reduce(root) { $0.child($1) }
            }
        }
    }
}
