#!/bin/sh
# Seed the fuzz corpora from ../shared/captures (run from anywhere):
#   corpus/read_capture/   every capture file, whole;
#   corpus/dissect_frame/  the first frames of every capture, each as
#                          <link-type byte><frame bytes> (see dissect_frame.rs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
captures=${CAPTURES:-$root/../shared/captures}
[ -d "$captures" ] || { echo "seed.sh: no captures at $captures" >&2; exit 1; }
mkdir -p "$here/corpus/read_capture" "$here/corpus/dissect_frame"
find "$captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | while read -r f; do
    cp "$f" "$here/corpus/read_capture/$(basename "$(dirname "$f")")_$(basename "$f")"
done
cd "$root"
find "$captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 |
    xargs -0 cargo run --quiet -p wirelab-pcap --example seed_frames -- "$here/corpus/dissect_frame"
echo "seeded: $(ls "$here/corpus/read_capture" | wc -l) captures, $(ls "$here/corpus/dissect_frame" | wc -l) frames"
