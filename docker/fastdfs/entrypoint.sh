#!/bin/sh
# The FastDFS image's entrypoint: `tracker` or `storage` runs fdfs_trackerd or fdfs_storaged with
# /etc/fdfs/<role>.conf ($FDFS_CONF_DIR/<role>.conf) in the foreground (-N), in place of this shell,
# so that the daemon is PID 1 and `docker stop` signals it directly (it stops on SIGTERM).
set -eu

role="${1:-}"
case "$role" in
  tracker | storage) ;;
  *)
    echo "usage: fdfs-entrypoint tracker|storage" >&2
    exit 64
    ;;
esac
conf="${FDFS_CONF_DIR:-/etc/fdfs}/$role.conf"

# The value of a `key = value` line of the conf (the last one, as FastDFS reads it).
conf_value() {
  sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$conf" | tail -n 1
}

base=$(conf_value base_path)
if [ -z "$base" ]; then
  echo "fdfs-entrypoint: $conf has no base_path" >&2
  exit 78
fi
# FastDFS wants its folders to exist: base_path/{data,logs}, and a storage's store_path0.
mkdir -p "$base/data" "$base/logs"
if [ "$role" = storage ]; then
  mkdir -p "$(conf_value store_path0)"
fi
# A pid file left in the volume by the previous container may name a pid alive in this one (pids
# restart at 1): `start` would then refuse, taking the daemon for running already.
rm -f "$base/data/fdfs_${role}d.pid"
# The daemon writes its log to base_path/logs/<role>d.log, and seeks in it: it cannot be pointed at
# a pipe. `tail` copies the new lines to the container's stderr, where `docker logs` reads them,
# and ends with the daemon (--pid: this shell's pid, which exec hands to the daemon). It starts at
# the log's size now, not at its end when tail gets to it: the daemon may have written its first
# lines by then, and those would be lost.
log="$base/logs/${role}d.log"
size=$(wc -c <"$log" 2>/dev/null || echo 0)
tail -F -c "+$((size + 1))" --pid=$$ "$log" >&2 2>/dev/null &

exec "fdfs_${role}d" "$conf" start -N
