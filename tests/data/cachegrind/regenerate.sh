#!/bin/sh
# Rebuilds trace.txt.gz and expected.json in this folder from trace_prog.c.
# Needs gcc and valgrind (3.19.0 produced the committed files). See README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -O1 -static -nostdlib -fno-pie -no-pie -ffreestanding \
  -fno-tree-loop-distribute-patterns -fno-stack-protector \
  -o "$work/trace_prog" "$here/trace_prog.c"

valgrind --tool=lackey --trace-mem=yes --log-file="$work/lackey.log" "$work/trace_prog"
grep -E '^ [LSM] ' "$work/lackey.log" | gzip -9 -n > "$here/trace.txt.gz"

{
  printf '{\n  "valgrind": "%s",\n  "geometries": [\n' "$(valgrind --version)"
  sep=""
  for g in 32768,8,64 4096,2,64 8192,1,64 16384,4,32 65536,16,64; do
    valgrind --tool=cachegrind --cache-sim=yes --D1=$g --I1=32768,8,64 --LL=8388608,16,64 \
      --cachegrind-out-file="$work/cg.out" "$work/trace_prog" 2>/dev/null
    # summary: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
    set -- $(grep '^summary:' "$work/cg.out")
    size=${g%%,*}; rest=${g#*,}; ways=${rest%%,*}; line=${rest#*,}
    printf '%s    { "size": %s, "ways": %s, "lineSize": %s, "Dr": %s, "D1mr": %s, "Dw": %s, "D1mw": %s }' \
      "$sep" "$size" "$ways" "$line" "$5" "$6" "$8" "$9"
    sep=",
"
  done
  printf '\n  ]\n}\n'
} > "$here/expected.json"
