# The sample the main job runs on: a three-layer stack made from busybox-static, built at run time.
# Sourced, never run. Layers are listed top-most first, as overlayfs lists them.
#
#   base   a busybox root filesystem, /etc, /opt/app/{config.txt,plugins/{a,b}.conf}, /usr/share/doc
#   tools  adds /usr/share/doc/lamina/notes.txt and /opt/app/plugins/c.conf, changes /etc/motd
#   top    deletes /usr/share/doc/lamina/notes.txt (a 0/0 character device: the kernel's whiteout)
#          and makes /opt/app/plugins opaque (trusted.overlay.opaque=y) holding only d.conf

SAMPLE_LAYERS=(top tools base)

# build_sample_stack DIR: writes DIR/layers/{base,tools,top}, replacing what was there.
build_sample_stack() {
    local dir="$1" busybox
    busybox="$(command -v busybox)" || die "busybox not found: run scripts/install-deps"
    rm -rf "$dir/layers"
    mkdir -p "$dir/layers/base" "$dir/layers/tools" "$dir/layers/top"

    (
        cd "$dir/layers/base"
        mkdir -p bin etc opt/app/plugins usr/share/doc tmp
        cp "$busybox" bin/busybox
        for applet in sh ls cat echo mount; do ln -s busybox "bin/$applet"; done
        echo "lamina-sample" >etc/hostname
        echo "base layer" >etc/motd
        echo "mode=base" >opt/app/config.txt
        echo "a" >opt/app/plugins/a.conf
        echo "b" >opt/app/plugins/b.conf
        chmod 1777 tmp
    )
    (
        cd "$dir/layers/tools"
        mkdir -p etc usr/share/doc/lamina opt/app/plugins
        echo "tools layer changed this" >etc/motd
        echo "notes from the tools layer" >usr/share/doc/lamina/notes.txt
        echo "c" >opt/app/plugins/c.conf
    )
    (
        cd "$dir/layers/top"
        mkdir -p usr/share/doc/lamina opt/app/plugins
        mknod usr/share/doc/lamina/notes.txt c 0 0
        setfattr -n trusted.overlay.opaque -v y opt/app/plugins
        echo "d" >opt/app/plugins/d.conf
    )
}

# sample_lowerdir DIR: the colon-separated lower list, top-most first.
sample_lowerdir() {
    local dir="$1" list="" layer
    for layer in "${SAMPLE_LAYERS[@]}"; do list="${list:+$list:}$dir/layers/$layer"; done
    printf '%s\n' "$list"
}

# show_merged_view MOUNTPOINT: what a user looks at to see the layers merged.
show_merged_view() {
    local mountpoint="$1"
    log "merged view at $mountpoint"
    ls -la "$mountpoint" "$mountpoint/etc" "$mountpoint/opt/app/plugins" "$mountpoint/usr/share/doc/lamina"
    log "cat etc/motd (changed by the tools layer)"
    cat "$mountpoint/etc/motd"
    log "cat opt/app/plugins/* (opaque in the top layer: only d.conf)"
    cat "$mountpoint"/opt/app/plugins/*
}
