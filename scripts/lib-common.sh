# Shared by the scripts in scripts/: where the repository is, how to log and fail.
# Sourced, never run.

LAMINA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LAMINA_ROOT

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Dies with a clear message unless running as root (mounting, mknod and apt need it).
require_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 needs root (it mounts file systems and installs packages); run it as root"
}
