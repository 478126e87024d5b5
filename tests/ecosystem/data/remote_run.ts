// Imported over http by the ecosystem test, with no permission but
// --allow-import for the server: setway must need no permission and no
// import map. Prints what it found as one JSON line.
import { vm } from "../../../mod.ts";
import { formatTrace, renderHtml } from "../../../lib/api/report.ts";

const zimage = vm().machine("xgene1").cpus(4).systemCache().guest((g) => g.zImage32());
const out: Record<string, unknown> = {};
for (const policy of ["kvm-3.18", "kvm-4.0"]) {
  const run = await zimage.policy(policy).run();
  out[policy] = {
    ok: run.verdict.ok,
    violations: run.verdict.violations.length,
    exits: run.cost.exits,
    flushTraceLines: formatTrace(run.events, { only: "flush" }).split("\n").length,
    htmlStarts: renderHtml(run).slice(0, 15),
  };
}
console.log(JSON.stringify(out));
