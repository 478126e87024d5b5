// The progress line, as a terminal would receive it: stderr and the clock
// are replaced for the length of each test, so that the text (rate, time
// left, when it is redrawn) can be checked to the character.
import assert from "node:assert/strict";
import { explore } from "../../mod.ts";
import { formatSeconds, Progress } from "../../lib/engine/explore/progress.ts";

/** The clock the code under test reads, in milliseconds. */
interface Clock {
  ms: number;
  /** Added to `ms` at every reading (0: the clock stands still). */
  step: number;
}

/**
 * Runs `body` with stderr captured, `performance.now()` reading `clock`,
 * stderr a terminal or not, and `CI` set as given (undefined: unset).
 */
async function captured(
  body: (clock: Clock) => void | Promise<void>,
  { terminal = true, ci = undefined as string | undefined } = {},
): Promise<string[]> {
  const written: string[] = [];
  const decoder = new TextDecoder();
  const clock: Clock = { ms: 10_000, step: 0 };
  const now = performance.now;
  const ciBefore = Deno.env.get("CI");
  performance.now = () => (clock.ms += clock.step);
  Object.defineProperty(Deno.stderr, "writeSync", {
    value: (bytes: Uint8Array) => {
      written.push(decoder.decode(bytes));
      return bytes.length;
    },
    configurable: true,
  });
  Object.defineProperty(Deno.stderr, "isTerminal", { value: () => terminal, configurable: true });
  if (ci === undefined) Deno.env.delete("CI");
  else Deno.env.set("CI", ci);
  try {
    await body(clock);
  } finally {
    performance.now = now;
    // The instance's own properties hid the class's methods: removing them brings those back.
    delete (Deno.stderr as { writeSync?: unknown }).writeSync;
    delete (Deno.stderr as { isTerminal?: unknown }).isTerminal;
    if (ciBefore === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", ciBefore);
  }
  return written;
}

Deno.test("the line: runs, rate, failure groups, position and time left, then erased", async () => {
  const written = await captured((clock) => {
    const p = new Progress(true);
    clock.ms += 1500;
    // 1000 runs in 1.5 s: 666.7 a second; a quarter done in 1.5 s leaves 4.5 s, shown as 5 s.
    p.update(1000, 1, "length 2/4", 0.25);
    p.finish();
  });
  assert.deepEqual(written, [
    "\rexplore: 1000 runs, 667/s, 1 failure group, length 2/4, ETA 5s\x1b[K",
    "\r\x1b[K",
  ]);
});

Deno.test("the time left is what remains, not the whole run", async () => {
  const written = await captured((clock) => {
    const p = new Progress(true);
    clock.ms += 20_000;
    // A fifth done in 20 s: 80 s left.
    p.update(500, 0, "length 3/4", 0.2);
  });
  assert.deepEqual(written, [
    "\rexplore: 500 runs, 25/s, 0 failure groups, length 3/4, ETA 1m20s\x1b[K",
  ]);
});

Deno.test("failure groups: none and two in the plural, one in the singular", async () => {
  const written = await captured((clock) => {
    const p = new Progress(true);
    for (const failures of [0, 1, 2]) {
      clock.ms += 1000;
      p.update(0, failures, "here");
    }
  });
  assert.deepEqual(
    written.map((w) => w.match(/\d+ failure groups?/)?.[0]),
    ["0 failure groups", "1 failure group", "2 failure groups"],
  );
});

Deno.test("redrawn at most ten times a second: 100 ms after the last drawing, not sooner", async () => {
  const written = await captured((clock) => {
    const p = new Progress(true);
    const at = (ms: number, where: string) => {
      clock.ms = 10_000 + ms;
      p.update(1, 0, where);
    };
    at(150, "first");
    at(200, "50 ms later");
    at(249, "99 ms later");
    at(250, "100 ms later");
    at(350, "100 ms later again");
  });
  assert.deepEqual(
    written.map((w) => w.split(", ").at(-1)),
    ["first\x1b[K", "100 ms later\x1b[K", "100 ms later again\x1b[K"],
  );
});

Deno.test("no time left is shown before any work is done, once it is all done, or unknown", async () => {
  const written = await captured((clock) => {
    const p = new Progress(true);
    for (const fraction of [0, 1, undefined, 0.5]) {
      clock.ms += 1000;
      p.update(10, 0, `at ${fraction}`, fraction);
    }
  });
  assert.equal(written.length, 4);
  assert.deepEqual(written.map((w) => w.includes("ETA")), [false, false, false, true]);
});

Deno.test("finish erases a line drawn, once, and nothing when none was drawn", async () => {
  const nothing = await captured(() => {
    const p = new Progress(true);
    p.finish();
  });
  assert.deepEqual(nothing, []);
  const once = await captured((clock) => {
    const p = new Progress(true);
    clock.ms += 1000;
    p.update(1, 0, "here");
    p.finish();
    p.finish();
  });
  assert.deepEqual(once.slice(1), ["\r\x1b[K"]);
});

Deno.test("a quiet progress line writes nothing, whatever it is told", async () => {
  const written = await captured((clock) => {
    const p = new Progress(false);
    clock.ms += 1000;
    p.update(1000, 2, "length 2/4", 0.5);
    p.finish();
  });
  assert.deepEqual(written, []);
});

Deno.test('"auto" draws on a terminal, and not under CI or when stderr is redirected', async () => {
  const draws = async (terminal: boolean, ci: string | undefined) =>
    (await captured((clock) => {
      const p = new Progress("auto");
      clock.ms += 1000;
      p.update(1, 0, "here");
    }, { terminal, ci })).length > 0;
  assert.equal(await draws(true, undefined), true, "a terminal, CI unset");
  assert.equal(await draws(true, ""), true, "CI empty");
  assert.equal(await draws(true, "false"), true, "CI=false");
  assert.equal(await draws(true, "0"), true, "CI=0");
  assert.equal(await draws(true, "true"), false, "CI=true");
  assert.equal(await draws(true, "1"), false, "CI=1");
  assert.equal(await draws(false, undefined), false, "redirected");
});

Deno.test("times: seconds rounded, a full minute and a full hour in the larger unit", () => {
  assert.equal(formatSeconds(0), "0s");
  assert.equal(formatSeconds(59.4), "59s");
  assert.equal(formatSeconds(59.6), "1m00s");
  assert.equal(formatSeconds(60), "1m00s");
  assert.equal(formatSeconds(3599), "59m59s");
  assert.equal(formatSeconds(3600), "1h00m");
  assert.equal(formatSeconds(3660), "1h01m");
  assert.equal(formatSeconds(NaN), "?");
});

/**
 * A random exploration of `executions` programs on `workers` threads with
 * its progress drawn at every update (each reading of the clock is a second
 * later, so that no update falls within 100 ms of the last one): the
 * report, what was written, and the progress lines, each but the last
 * checked to number as many executions as it counts runs.
 */
async function randomProgress(executions: number, workers: number) {
  let report: Awaited<ReturnType<typeof explore>> | null = null;
  const written = await captured(async (clock) => {
    clock.step = 1000;
    report = await explore({
      policy: "kvm-3.18",
      mode: "random",
      seed: 3,
      executions,
      maxOps: 5,
      ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
      workers,
      progress: true,
      shrink: false,
    });
  });
  const lines = written.filter((w) => w.startsWith("\rexplore: "));
  for (const line of lines.slice(0, -1)) {
    // "N runs, ..., execution M": the runs so far are the executions numbered so far.
    const m = line.match(/explore: (\d+) runs, .*, execution (\d+)/);
    assert.ok(m, line);
    assert.equal(m[1], m[2], line);
  }
  return { report: report!, written, lines };
}

Deno.test("random mode's progress numbers the runs consumed while many tasks are in flight on workers", async () => {
  // Two threads keep 16 tasks handed out: the count shown is the end of the
  // last task read, not of the last one handed out.
  const { written, lines } = await randomProgress(20_000, 2);
  assert.ok(lines.length >= 3, JSON.stringify(written));
  assert.ok(lines.at(-2)!.endsWith(", execution 20000\x1b[K"), lines.at(-2));
});

Deno.test("random mode's progress shows the runs it has consumed, then the total before shrinking", async () => {
  const { report: r, written, lines } = await randomProgress(2000, 1);
  assert.ok(lines.length >= 2, JSON.stringify(written));
  assert.match(lines.at(-2)!, /^\rexplore: 2000 runs, /);
  assert.ok(lines.at(-2)!.endsWith(", execution 2000\x1b[K"), lines.at(-2));
  const groups = r.failures.length;
  assert.ok(groups > 0);
  assert.match(
    lines.at(-1)!,
    new RegExp(`^\\rexplore: 2000 runs, \\d+/s, ${groups} failure groups?, shrinking\\x1b\\[K$`),
  );
  assert.equal(written.at(-1), "\r\x1b[K");
});
