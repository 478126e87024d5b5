/**
 * `deno task fuzz [--runs N] [--seed S]` (`--help` prints the usage; a bad option is one
 * line and status 2): the properties of user_fuzz.ts
 * and limits_fuzz.ts at scale (10^6 cases by default, shared between them
 * as in CI), each in a worker. Reports every crash that is not a
 * ScenarioError, every broken invariant (a VA-correct guest on native
 * reading stale data, a rerun that differs, a budget that does not stop a
 * step in time, a merge of shards that is neither the single run nor a
 * refusal naming a part), and every case that runs for more than 5 s (the
 * worker is then ended and a fresh one goes on with a new seed). Exit status
 * 1 when anything was found.
 *
 * @module
 */

import type { CaseMessage, DoneMessage, FailureMessage, FuzzJob } from "./fuzz_worker.ts";
import { FUZZ_PROPERTIES as PROPERTIES } from "./fuzz_properties.ts";
import { taskOptions } from "../support/task_options.ts";

/** A case that has not finished after this long is reported as a hang. */
const HANG_MS = 5_000;
/** At most this many failures of one property are printed in full. */
const SHOWN = 5;

interface Outcome {
  ran: number;
  failures: FailureMessage[];
  hangs: string[];
}

/** Runs `runs` cases of property `which`; restarts its worker after a hang. */
async function fuzzProperty(which: number, seed: number, runs: number): Promise<Outcome> {
  const out: Outcome = { ran: 0, failures: [], hangs: [] };
  let attempt = 0;
  while (out.ran < runs) {
    const left = runs - out.ran;
    const finished = await new Promise<boolean>((resolve) => {
      const worker = new Worker(new URL("./fuzz_worker.ts", import.meta.url), { type: "module" });
      let last = Date.now();
      let current = "";
      let started = 0;
      let announced = false;
      const watchdog = setInterval(() => {
        if (Date.now() - last <= HANG_MS) return;
        out.hangs.push(current);
        out.ran += started + 1;
        clearInterval(watchdog);
        worker.terminate();
        resolve(false);
      }, 250);
      worker.onmessage = (e: MessageEvent<CaseMessage | FailureMessage | DoneMessage>) => {
        const m = e.data;
        last = Date.now();
        if (m.type === "case") {
          announced = true;
          current = m.value;
          started = m.index;
        } else if (m.type === "failure") {
          out.failures.push(m);
        } else {
          out.ran += m.runs;
          clearInterval(watchdog);
          worker.terminate();
          resolve(true);
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        // A worker that cannot start would fail the same way forever.
        if (!announced) throw new Error(`fuzz: the worker did not start: ${e.message}`);
        out.failures.push({ type: "failure", index: started, value: current, error: e.message });
        out.ran += started + 1;
        clearInterval(watchdog);
        worker.terminate();
        resolve(false);
      };
      worker.postMessage(
        { property: which, seed: seed + 1000 * attempt, runs: left } satisfies FuzzJob,
      );
    });
    if (!finished) attempt++;
  }
  return out;
}

async function main(): Promise<number> {
  const options = taskOptions("fuzz", Deno.args, {
    runs: { default: 1_000_000, min: 1, value: "N" },
    seed: { default: 22, min: -(2 ** 53 - 1), value: "S" },
  });
  if ("exit" in options) {
    (options.exit === 0 ? console.log : console.error)(options.line);
    return options.exit;
  }
  const { runs: total, seed } = options.values;
  const weights = PROPERTIES.reduce((n, p) => n + p.runs, 0);
  let found = 0;
  for (const [i, { property, runs }] of PROPERTIES.entries()) {
    const n = Math.max(1, Math.round((total * runs) / weights));
    const started = performance.now();
    const o = await fuzzProperty(i, seed + i, n);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${property.name}: ${o.ran} cases in ${seconds} s, ${o.failures.length} failures, ` +
        `${o.hangs.length} hangs`,
    );
    for (const f of o.failures.slice(0, SHOWN)) {
      console.log(
        `  failure at case ${f.index}: ${f.value}\n    ${f.error.split("\n").join("\n    ")}`,
      );
    }
    for (const h of o.hangs.slice(0, SHOWN)) console.log(`  hang over ${HANG_MS} ms: ${h}`);
    found += o.failures.length + o.hangs.length;
  }
  console.log(found === 0 ? "fuzz: nothing found" : `fuzz: ${found} problems found`);
  return found === 0 ? 0 : 1;
}

Deno.exit(await main());
