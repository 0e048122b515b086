#!/bin/bash
# The Deja image's entrypoint: sizes the JVM heap so that the whole process fits the container,
# then runs deja.jar as PID 1 (exec), so SIGTERM reaches its shutdown hook (drain, then close).
#
#   heap = container memory limit - RocksDB budget - JVM overhead
#
# - container memory limit: the cgroup's (v2 memory.max, v1 memory.limit_in_bytes), or
#   MEMORY_LIMIT_BYTES when set;
# - RocksDB budget: DEJA_ROCKSDB_CACHE_BYTES (deja.rocksdb.cache.bytes, default 256 MiB): one cache
#   shared by every store, memtables and index/filter blocks charged to it; it is off-heap;
# - JVM overhead: JVM_OVERHEAD_BYTES (default 320 MiB): metaspace, code cache, thread stacks,
#   direct buffers of the Kafka and HTTP clients, malloc arenas, and what RocksDB allocates beyond
#   its cache (iterators, compaction).
#
# Example: a 1536 MiB limit with the defaults gives a 960 MiB heap. With no limit (plain docker run),
# the JVM takes 50% of the machine's memory. Extra JVM flags: JAVA_OPTS.
#
# Start-up: the image's AppCDS archive (JVM_CDS_ARCHIVE, default /app/deja.jsa, built with the
# image) maps the classes a start loads instead of reading them from the jar. An archive that does not
# match this JVM or jar is refused by the JVM with a warning ("Unable to use shared archive") and
# Deja starts without it; JVM_CDS_ARCHIVE= (empty) turns it off.
set -euo pipefail

MIB=$((1024 * 1024))
MIN_HEAP=$((128 * MIB))

limit="${MEMORY_LIMIT_BYTES:-}"
if [[ -z "$limit" ]]; then
  if [[ -r /sys/fs/cgroup/memory.max ]]; then
    value="$(cat /sys/fs/cgroup/memory.max)"
    [[ "$value" != "max" ]] && limit="$value"
  elif [[ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]]; then
    value="$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
    # cgroup v1 reports "no limit" as a huge number
    (( value < (1 << 50) )) && limit="$value"
  fi
fi
rocksdb="${DEJA_ROCKSDB_CACHE_BYTES:-$((256 * MIB))}"
overhead="${JVM_OVERHEAD_BYTES:-$((320 * MIB))}"

if [[ -n "$limit" ]]; then
  heap=$((limit - rocksdb - overhead))
  if (( heap < MIN_HEAP )); then
    echo "deja: a memory limit of $((limit / MIB)) MiB leaves no room for a heap: RocksDB takes $((rocksdb / MIB)) MiB" \
      "(DEJA_ROCKSDB_CACHE_BYTES), the JVM's overhead $((overhead / MIB)) MiB (JVM_OVERHEAD_BYTES), and the heap" \
      "needs at least $((MIN_HEAP / MIB)) MiB: raise the limit or lower the budgets" >&2
    exit 1
  fi
  heap_flags=("-Xmx$((heap / MIB))m")
  echo "deja: memory limit $((limit / MIB)) MiB = heap $((heap / MIB)) MiB + RocksDB $((rocksdb / MIB)) MiB + overhead $((overhead / MIB)) MiB" >&2
else
  heap_flags=("-XX:MaxRAMPercentage=50")
  echo "deja: no container memory limit; heap up to 50% of the machine's memory" >&2
fi

# glibc's per-thread malloc arenas grow a JVM with many threads and a native library well past
# what it uses; two arenas keep that overhead inside the budget above.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
archive="${JVM_CDS_ARCHIVE-/app/deja.jsa}"
cds_flags=()
if [[ -n "$archive" && -r "$archive" ]]; then
  cds_flags=("-XX:SharedArchiveFile=$archive")
elif [[ -n "$archive" ]]; then
  echo "deja: no AppCDS archive at $archive (JVM_CDS_ARCHIVE): classes load from the jar" >&2
fi

# The parallel collector, unless JAVA_OPTS picks one: Deja's state is off the heap (RocksDB), so its
# young collections are short, and on a few cores G1's write barriers and concurrent threads cost the
# cache-hit path a third more CPU per event (docs/benchmark.md).
gc_flags=("-XX:+UseParallelGC")
if [[ "${JAVA_OPTS:-}" =~ -XX:\+Use[A-Za-z0-9]+GC ]]; then
  gc_flags=()
fi

# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java "${heap_flags[@]}" ${gc_flags[@]+"${gc_flags[@]}"} -XX:+ExitOnOutOfMemoryError ${cds_flags[@]+"${cds_flags[@]}"} \
  ${JAVA_OPTS:-} -jar /app/deja.jar "$@"
