# Sourced by servers.sh and deliver.sh: where the private servers keep their files.
#
# $VIGIE_LOCAL_DIR when set, else <repo>/var/local — unless we run as root and the repository lies under a folder
# that `nobody` cannot enter (a 0700 mktemp folder or home): Dovecot's mail processes run as nobody and could not
# reach it, so the files go to a folder of their own under /tmp, named after the repository's path.
vigie_local_dir() {
    local repo=$1
    if [[ -n ${VIGIE_LOCAL_DIR:-} ]]; then
        echo "$VIGIE_LOCAL_DIR"
    elif [[ $(id -u) -eq 0 ]] && ! runuser -u nobody -- test -x "$repo" 2>/dev/null; then
        echo "/tmp/vigie-local-$(printf %s "$repo" | cksum | cut -d' ' -f1)"
    else
        echo "$repo/var/local"
    fi
}
