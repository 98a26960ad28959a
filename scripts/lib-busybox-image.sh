# A small multi-layer busybox image, built at run time as an OCI image layout. Sourced, never run.
#
#   layer 1 (base)  busybox-static with its applets, /etc/passwd (root, app:1000), /etc/motd,
#                   /usr/share/doc/lamina/notes.txt, /opt/app/{config.txt,data/a.txt,data/b.txt}
#   layer 2 (top)   deletes /usr/share/doc/lamina/notes.txt (an OCI whiteout), changes /etc/motd,
#                   adds /opt/app/VERSION
# Config: Cmd ["sh"], Env PATH and GREETING=hello, WorkingDir /opt/app.

# build_busybox_layout DIR NAME: writes an OCI layout to DIR naming the image NAME (e.g. sample:1),
# and sets SAMPLE_DIFF_IDS to the layers' uncompressed digests, top-most first (the store keeps
# each unpacked layer at STORE/layers/sha256/DIGEST).
build_busybox_layout() {
    local dir="$1" name="$2" busybox work layer digest size config_digest config_size manifest_digest manifest_size
    busybox="$(command -v busybox)" || { echo "busybox not found: apt-get install -y busybox-static" >&2; return 1; }
    work="$(mktemp -d)"
    rm -rf "$dir" && mkdir -p "$dir/blobs/sha256"

    mkdir -p "$work/base/bin" "$work/base/etc" "$work/base/tmp" "$work/base/root" "$work/base/home/app" \
        "$work/base/usr/share/doc/lamina" "$work/base/opt/app/data"
    cp "$busybox" "$work/base/bin/busybox"
    for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$work/base/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$work/base/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n' >"$work/base/etc/group"
    echo "base layer" >"$work/base/etc/motd"
    echo "notes from the base layer" >"$work/base/usr/share/doc/lamina/notes.txt"
    echo "mode=base" >"$work/base/opt/app/config.txt"
    echo a >"$work/base/opt/app/data/a.txt"
    echo b >"$work/base/opt/app/data/b.txt"
    chown 1000:1000 "$work/base/home/app"
    chmod 1777 "$work/base/tmp"

    mkdir -p "$work/top/etc" "$work/top/usr/share/doc/lamina" "$work/top/opt/app"
    echo "top layer changed this" >"$work/top/etc/motd"
    : >"$work/top/usr/share/doc/lamina/.wh.notes.txt"
    echo 1.0 >"$work/top/opt/app/VERSION"

    local layers_json="" diff_ids="" history=""
    SAMPLE_DIFF_IDS=()
    for layer in base top; do
        tar --numeric-owner --sort=name --mtime=@0 -C "$work/$layer" -cf "$work/$layer.tar" .
        digest="$(sha256sum "$work/$layer.tar" | cut -d' ' -f1)"
        size="$(stat -c %s "$work/$layer.tar")"
        mv "$work/$layer.tar" "$dir/blobs/sha256/$digest"
        layers_json="${layers_json:+$layers_json,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$digest\",\"size\":$size}"
        diff_ids="${diff_ids:+$diff_ids,}\"sha256:$digest\""
        SAMPLE_DIFF_IDS=("$digest" "${SAMPLE_DIFF_IDS[@]}")
        history="${history:+$history,}{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"lib-busybox-image.sh: $layer layer\"}"
    done
    printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hello"],"Cmd":["sh"],"WorkingDir":"/opt/app"},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
        "$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')" "$diff_ids" "$history" >"$work/config.json"
    config_digest="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
    config_size="$(stat -c %s "$work/config.json")"
    mv "$work/config.json" "$dir/blobs/sha256/$config_digest"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
        "$config_digest" "$config_size" "$layers_json" >"$work/manifest.json"
    manifest_digest="$(sha256sum "$work/manifest.json" | cut -d' ' -f1)"
    manifest_size="$(stat -c %s "$work/manifest.json")"
    mv "$work/manifest.json" "$dir/blobs/sha256/$manifest_digest"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
        "$manifest_digest" "$manifest_size" "$name" >"$dir/index.json"
    rm -rf "$work"
}
