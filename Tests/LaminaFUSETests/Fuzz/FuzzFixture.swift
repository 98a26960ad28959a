/// The two lower layers the fuzz and chaos tests start from (bottom-most first, as
/// `LayerStackFixture` builds them): lower files and directories three deep, a file shadowed by
/// the top layer, an OCI whiteout and an opaque directory (converted for the kernel's copy by
/// `KernelFormat`), a symlink to a file and one to a directory, a hard-linked pair in two
/// directories, user xattrs, and the odd names: 255 bytes (a file and a directory), Latin-1
/// `caf\xE9` (not UTF-8), and NFC `café` beside NFD `café`.
enum FuzzFixture {
    static let layers = [
        #"""
        mkdir -p ld/deep/deeper ld2/sub shared opq
        printf 'bottom\n' > ld/f1
        printf 'bottom deep\n' > ld/deep/f2
        printf 'deeper\n' > ld/deep/deeper/f3
        printf 'shadowed\n' > shared/over
        printf 'low\n' > shared/only-low
        printf 'hidden by opaque\n' > opq/gone
        printf 'ld2\n' > ld2/sub/x
        head -c 20000 /dev/zero | tr '\0' 'q' > ld2/big
        ln -s ld/f1 sym
        ln -s ../shared ld/dirlink
        printf 'linked\n' > hl1
        ln hl1 ld/hl2
        long=$(printf '%0255d' 0 | tr 0 n)
        printf 'long\n' > "ld/$long"
        mkdir "$long"
        printf 'in long\n' > "$long/a"
        printf 'latin\n' > "$(printf 'caf\351')"
        printf 'nfc\n' > "$(printf 'caf\303\251')"
        printf 'nfd\n' > "$(printf 'cafe\314\201')"
        setfattr -n user.low -v one ld/f1
        setfattr -n user.dir -v d ld
        """#,
        #"""
        mkdir -p shared ld/deep upper-only/sub opq
        printf 'top\n' > shared/over
        : > shared/.wh.only-low
        : > opq/.wh..wh..opq
        printf 'new in opaque\n' > opq/kept
        printf 'top only\n' > upper-only/sub/t
        printf 'top f2\n' > ld/deep/f2
        """#,
    ]
}
