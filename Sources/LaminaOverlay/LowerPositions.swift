/// The positions (in `DirectoryIndex.sources`) of the lower directories holding one name: the
/// top-most first, then, for a directory, those it merges with below.
///
/// Almost every name has one lower copy or none, so the first position is stored inline and only
/// further ones take an array; this keeps an index entry free of a heap allocation of its own
/// (one per name of a deep image adds up to megabytes).
///
/// Thread safety: a value type, owned by its `DirectoryIndex.Entry`.
struct LowerPositions: Sendable, Sequence, ExpressibleByArrayLiteral {
    private var more: [Int32] = []
    private var head: Int32 = -1

    init(arrayLiteral elements: Int32...) {
        for element in elements { append(element) }
    }

    var first: Int32? { head < 0 ? nil : head }
    var isEmpty: Bool { head < 0 }

    mutating func append(_ position: Int32) {
        if head < 0 { head = position } else { more.append(position) }
    }

    func makeIterator() -> Array<Int32>.Iterator {
        (head < 0 ? [] : [head] + more).makeIterator()
    }
}
