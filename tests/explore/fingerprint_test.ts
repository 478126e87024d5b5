// An exploration's fingerprint tells the parts of one exploration from parts of another: it must
// change with everything that changes the answer, and with nothing else.
import assert from "node:assert/strict";
import type { ExploreOptions } from "../../mod.ts";
import { canonicalJson, configFingerprint, fnv1a64 } from "../../lib/engine/explore/fingerprint.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { GUEST_CLASSES } from "../../lib/engine/explore/classes.ts";
import { TINY } from "./fixtures.ts";

Deno.test("canonical JSON: keys sorted at every depth, undefined fields left out, non-finite numbers spelled", () => {
  assert.equal(
    canonicalJson({ b: 1, a: [Infinity, "x", { z: -Infinity, y: NaN }], c: undefined, d: null }),
    '{"a":["Infinity","x",{"y":"NaN","z":"-Infinity"}],"b":1,"d":null}',
  );
  // The same value written in another key order is the same text.
  assert.equal(
    canonicalJson({ m: { ways: 4, size: 1024 }, n: 2 }),
    canonicalJson({ n: 2, m: { size: 1024, ways: 4 } }),
  );
  assert.equal(canonicalJson({ x: 1, y: undefined }), canonicalJson({ x: 1 }));
});

Deno.test("fnv1a64: the published 64-bit FNV-1a values, over UTF-8 bytes, 16 digits always", () => {
  // Test vectors of the FNV reference (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
  assert.equal(fnv1a64(""), "cbf29ce484222325");
  assert.equal(fnv1a64("a"), "af63dc4c8601ec8c");
  assert.equal(fnv1a64("foobar"), "85944171f73967e8");
  // "é" is the two bytes c3 a9 in UTF-8; both hashes begin with a zero digit, which stays.
  assert.equal(fnv1a64("é"), "0ac21707b7181e01");
  assert.equal(fnv1a64("setway"), "0debb94d9362fc9a");
});

// RAM, addresses and the host CPU are given, so that changing one option changes no default
// derived from it (the host CPU avoids the migration targets; the addresses follow RAM's base).
const BASE: ExploreOptions = {
  machine: "xgene1",
  policy: "kvm-4.0",
  cpus: 2,
  maxOps: 3,
  ops: ["write", "read", "mmuOn", "mmuOff", "migrate", "host_write"],
  ram: 2 << 20,
  addresses: [0x4010_0040],
  hostCpu: 7,
};

const fingerprint = (o: ExploreOptions) => configFingerprint(resolveExploreOptions(o));

/** A class object of its own name that admits every program. */
const anyNamed = (name: string) => ({ ...GUEST_CLASSES.any, name });

Deno.test("the fingerprint changes with every option that changes the answer", () => {
  const changes: [string, ExploreOptions][] = [
    ["another policy", { policy: "kvm-3.18" }],
    ["the same machine without its system cache", { systemCache: false }],
    ["another system cache", { systemCache: { size: 1 << 22, ways: 16 } }],
    ["a machine description under the same name", {
      machine: { ...TINY, name: "xgene1" },
      hostCpu: 1,
    }],
    ["a guest class by name", { guestClass: "cleans-by-va" }],
    ["a guest class object", { guestClass: anyNamed("mine") }],
    ["another guest class object", { guestClass: anyNamed("theirs") }],
    ["vCPUs", { cpus: 1 }],
    ["the longest program", { maxOps: 4 }],
    ["operations", { ops: ["write", "read", "mmuOn", "mmuOff"] }],
    ["addresses", { addresses: [0x4010_0040, 0x4010_1080] }],
    ["migration targets", { migrateTo: [0, 1, 4] }],
    ["the host CPU", { hostCpu: 6 }],
    ["quiet hardware", { speculation: false }],
    ["RAM not prefaulted", { prefault: false }],
    ["RAM size", { ram: 4 << 20 }],
    ["RAM base", { ramBase: 0x4010_0000 }],
    ["random mode", { mode: "random" }],
    ["the seed", { seed: 2 }],
    ["an execution budget", { executions: 1000 }],
    ["the perturbation rate", { perturbRate: 0.5 }],
    ["no symmetry reduction", { symmetry: false }],
    ["no state hashing", { stateHashing: false }],
    ["no shrinking", { shrink: false }],
  ];
  const base = fingerprint(BASE);
  assert.match(base, /^[0-9a-f]{16}$/);
  const seen = new Map([[base, "the base"]]);
  for (const [what, change] of changes) {
    const f = fingerprint({ ...BASE, ...change });
    assert.ok(!seen.has(f), `${what}: the same fingerprint as ${seen.get(f)}`);
    seen.set(f, what);
  }
  // Prove mode's two abstractions answer different questions.
  const prove = { ...BASE, mode: "prove" } as const;
  assert.notEqual(fingerprint({ ...prove, abstraction: "verdicts" }), fingerprint(prove));
});

Deno.test("the fingerprint leaves out the workers, progress, the part and the time budget", () => {
  const base = fingerprint(BASE);
  for (
    const same of [
      { workers: 0 },
      { workers: 3 },
      { progress: true },
      { shard: "1/3" },
      { shard: "0/2", exchange: "/tmp/levels" },
      { seconds: 5 },
    ] as ExploreOptions[]
  ) {
    assert.equal(fingerprint({ ...BASE, ...same }), base, JSON.stringify(same));
  }
  // An option given at its default value is the same question as the option left out.
  assert.equal(
    fingerprint({ ...BASE, prefault: true, seed: 1, perturbRate: 0.25, ramBase: 0x4000_0000 }),
    base,
  );
});

Deno.test("a fingerprint is pinned: the configuration's canonical text, written out, and its hash", () => {
  // Parts written by an earlier version merge only while fingerprints stay the same, so a change
  // to any field, default or spelling here must be deliberate.
  const config = resolveExploreOptions({
    machine: "generic",
    policy: "kvm-4.0",
    cpus: 1,
    maxOps: 2,
    ops: ["write", "read"],
    mode: "exhaustive",
  });
  const text = '{"addresses":[1073741824],"classObjects":[],"classes":["any"],"cpus":1,' +
    '"executions":"Infinity","hostCpu":2,"machine":{"clockHz":1000000000,"clusters":[{"core":' +
    '"generic","cpus":4,"l1d":{"size":32768,"ways":4},"l2":{"size":1048576,"ways":16}}],' +
    '"description":"one cluster of 4 CPUs, 32 KiB 4-way L1D, 1 MiB 16-way L2, no system cache",' +
    '"features":{"fwb":false},"name":"generic","systemCache":null},"maxOps":2,' +
    '"migrateTo":[0,1],"mode":"exhaustive","ops":["write","read"],"perturbRate":0.25,' +
    '"policy":"kvm-4.0","policyName":"kvm-4.0","prefault":true,"ram":1048576,' +
    '"ramBase":1073741824,"seed":1,"shrink":true,"speculation":true,"stateHashing":true,' +
    '"symmetry":true}';
  assert.equal(configFingerprint(config), fnv1a64(text));
  assert.equal(configFingerprint(config), "9112963f6671d197");
});
