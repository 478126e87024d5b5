/**
 * Rebuilds bench/data: the gzip input, its lackey trace and cachegrind's
 * counts. Needs valgrind and /usr/bin/gzip; takes a few seconds.
 *
 * Run: `deno run -A bench/data/regenerate.ts`
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { parseLackey } from "../../lib/sim/lackey.ts";
import { encodeTrace } from "../../lib/sim/access_trace_codec.ts";
import {
  type CachegrindCounts,
  DATA_DIR,
  GZIP_INPUT,
  type GzipExpected,
  gzipInput,
  recordingMachine,
  runCachegrind,
  runValgrindGzip,
} from "../gzip_trace.ts";

/** The D1 geometries cachegrind is run with: size, ways, line size. */
const GEOMETRIES = [
  { size: 32768, ways: 8, lineSize: 64 },
  { size: 32768, ways: 4, lineSize: 64 },
  { size: 4096, ways: 2, lineSize: 64 },
  { size: 8192, ways: 1, lineSize: 64 },
  { size: 16384, ways: 4, lineSize: 32 },
  { size: 65536, ways: 16, lineSize: 64 },
];

if (import.meta.main) {
  const input = gzipInput();
  Deno.writeFileSync(GZIP_INPUT, input);

  const work = Deno.makeTempDirSync();
  try {
    const log = `${work}/lackey.log`;
    await runValgrindGzip("lackey", ["--trace-mem=yes", `--log-file=${log}`], GZIP_INPUT);
    const trace = parseLackey(Deno.readFileSync(log));
    const packed = gzipSync(encodeTrace(trace), { level: 9 });
    Deno.writeFileSync(new URL("gzip_trace.bin.gz", DATA_DIR), packed);
    console.log(`${trace.length} accesses, ${packed.length} bytes stored`);
  } finally {
    Deno.removeSync(work, { recursive: true });
  }

  const geometries: CachegrindCounts[] = [];
  for (const g of GEOMETRIES) geometries.push((await runCachegrind(g, GZIP_INPUT)).counts);
  const expected: GzipExpected = {
    ...await recordingMachine(),
    inputBytes: input.length,
    geometries,
  };
  Deno.writeTextFileSync(
    new URL("gzip_cachegrind.json", DATA_DIR),
    JSON.stringify(expected, null, 2) + "\n",
  );
  console.log(JSON.stringify(expected, null, 2));
}
