// Determinism: the same scenario and seed give byte-identical traces and JSON,
// run after run, across a JSON round trip and in another process; different
// seeds under adversarial speculation make different hardware choices.
import assert from "node:assert/strict";
import { scenarioFrom, vm, type VmBuilder } from "../../lib/dsl/mod.ts";
import { run } from "../../lib/engine/run.ts";
import type { RunResult } from "../../lib/engine/result.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";

const KERNEL = 0x4010_0000;

/** A busy scenario: two vCPUs, migrations, host writes, a S/W walk, caches off, reads back. */
function busy(policy: string, seed: number, speculation: "quiet" | "adversarial"): VmBuilder {
  return vm().machine("tc2").cpus(2).ram("16MiB").policy(policy).seed(seed).speculation(speculation)
    .guest((g) => {
      let p = g.mmuOn().on(1, (h) => h.mmuOn());
      for (let i = 0; i < 24; i++) {
        p = p.write(KERNEL + i * 68, 0x1000 + i);
        if (i % 6 === 0) p = p.migrate(0, (i / 6) % 5);
        if (i % 8 === 0) p = p.host((h) => h.write(KERNEL + 0x8000 + i * 4, i));
        if (i % 5 === 0) p = p.on(1, (h) => h.read(KERNEL + i * 68));
      }
      p = p.sw_clean_invalidate().mmuOff();
      for (let i = 0; i < 24; i++) p = p.read(KERNEL + i * 68);
      return p;
    });
}

function fingerprint(r: RunResult): string {
  return r.trace({ filter: "all" }) + "\n" + JSON.stringify(r.toJSON());
}

/** The hardware's choices: every speculative fill and castout, in order. */
function choices(events: readonly SetwayEvent[]): string[] {
  return events
    .filter((e) => e.name === "speculative_fill" || e.name === "castout")
    .map((e) => `${e.seq}:${e.name}:${e.addr}:${e.cache}:${e.pcpu}`);
}

const POLICIES = ["kvm-4.0", "kvm-3.18", "native"];

Deno.test("determinism: same scenario and seed, byte-identical trace and JSON, run after run", async () => {
  for (const policy of POLICIES) {
    for (const seed of [1, 2, -77]) {
      const b = busy(policy, seed, "adversarial");
      const first = fingerprint(await b.run());
      assert.equal(fingerprint(await b.run()), first, `${policy} seed ${seed}`);
      // A fresh builder and the engine called directly give the same bytes.
      assert.equal(fingerprint(await busy(policy, seed, "adversarial").run()), first);
      assert.equal(fingerprint(run(b.toJSON())), first);
    }
  }
});

Deno.test("determinism: a JSON round trip changes nothing, byte for byte", async () => {
  for (const policy of POLICIES) {
    const b = busy(policy, 9, "adversarial");
    const text = JSON.stringify(b.toJSON());
    const direct = fingerprint(await b.run());
    assert.equal(fingerprint(run(scenarioFrom(text))), direct, policy);
    assert.equal(fingerprint(await vm().from(text).run()), direct, policy);
    // The round trip is stable: printing what was read back gives the same text.
    assert.equal(JSON.stringify(scenarioFrom(text)), text);
    assert.equal(JSON.stringify(vm().from(text).toJSON()), text);
  }
});

Deno.test("determinism: another process computes the same bytes", async () => {
  const text = JSON.stringify(busy("kvm-3.18", 5, "adversarial").toJSON());
  const mine = fingerprint(run(scenarioFrom(text)));
  const engine = new URL("../../lib/engine/run.ts", import.meta.url).href;
  const dsl = new URL("../../lib/dsl/mod.ts", import.meta.url).href;
  const child = `
    import { run } from ${JSON.stringify(engine)};
    import { scenarioFrom } from ${JSON.stringify(dsl)};
    const r = run(scenarioFrom(await new Response(Deno.stdin.readable).text()));
    await new Response(r.trace({ filter: "all" }) + "\\n" + JSON.stringify(r.toJSON()))
      .body.pipeTo(Deno.stdout.writable);
  `;
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", child],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = proc.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await proc.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout), mine);
});

Deno.test("determinism: different seeds under adversarial speculation make different choices", async () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  for (const policy of POLICIES) {
    const seen = new Map<string, number>();
    for (const seed of seeds) {
      const r = await busy(policy, seed, "adversarial").run();
      const c = choices(r.events);
      assert.ok(c.length > 5, `${policy} seed ${seed}: the hardware acted (${c.length} choices)`);
      const key = c.join("|");
      assert.ok(!seen.has(key), `${policy}: seeds ${seen.get(key)} and ${seed} chose alike`);
      seen.set(key, seed);
    }
  }
  // Two seeds side by side: the event sequences themselves differ, not only the header.
  const a = (await busy("kvm-4.0", 1, "adversarial").run()).events.map((e) => e.name);
  const b = (await busy("kvm-4.0", 2, "adversarial").run()).events.map((e) => e.name);
  assert.notDeepEqual(a, b);
});

Deno.test("determinism: quiet hardware makes no choices, so the seed changes nothing", async () => {
  for (const policy of POLICIES) {
    const traces = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const r = await busy(policy, seed, "quiet").run();
      assert.deepEqual(choices(r.events), []);
      traces.add(r.trace({ filter: "all", header: [] }));
    }
    assert.equal(traces.size, 1, policy);
  }
});
