/**
 * A small Chrome DevTools Protocol client for the browser test: it starts
 * headless Chromium with a remote-debugging port, talks to one page over a
 * WebSocket, and records what the page logs. No npm dependency.
 *
 * @module
 */

/**
 * Where Debian installs Chromium; `CHROMIUM` overrides it.
 *
 * @example Usage
 * ```ts ignore
 * import { DEFAULT_CHROMIUM } from "./cdp.ts";
 * console.log(`install ${DEFAULT_CHROMIUM} with apt-get install chromium`);
 * ```
 */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/**
 * The flags every launch uses: headless, sandbox off (CI runs as root), nothing from the network.
 *
 * @example Usage
 * ```ts ignore
 * import { CHROMIUM_FLAGS } from "./cdp.ts";
 * new Deno.Command("/usr/bin/chromium", { args: [...CHROMIUM_FLAGS, "--dump-dom", "about:blank"] });
 * ```
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  "--mute-audio",
];

/**
 * One thing the page logged: a console call, an uncaught exception or a browser log entry.
 *
 * @example Usage
 * ```ts ignore
 * import type { PageMessage } from "./cdp.ts";
 * const m: PageMessage = { source: "console", level: "error", text: "boom" };
 * ```
 */
export interface PageMessage {
  readonly source: "console" | "exception" | "log";
  readonly level: string;
  readonly text: string;
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };

/**
 * The path of the Chromium binary, or undefined when it is not installed.
 *
 * @example Usage
 * ```ts ignore
 * import { findChromium } from "./cdp.ts";
 * if (findChromium() === undefined) console.log("apt-get install -y chromium");
 * ```
 * @returns the path, or undefined
 */
export function findChromium(): string | undefined {
  let path = DEFAULT_CHROMIUM;
  try {
    path = Deno.env.get("CHROMIUM") ?? DEFAULT_CHROMIUM;
  } catch {
    // no env permission: the default path
  }
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A headless Chromium with one attached page.
 *
 * @example Usage
 * ```ts ignore
 * import { Browser, findChromium } from "./cdp.ts";
 * const b = await Browser.launch(findChromium()!, await Deno.makeTempDir(), { width: 800, height: 600 });
 * await b.navigate("file:///tmp/page.html");
 * console.log(await b.evaluate<string>("document.title"), b.messages);
 * await b.close();
 * ```
 */
export class Browser {
  readonly messages: PageMessage[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #ws: WebSocket;
  readonly #stderr: Promise<string>;
  #session = "";
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters: { method: string; resolve: () => void }[] = [];

  private constructor(child: Deno.ChildProcess, ws: WebSocket, stderr: Promise<string>) {
    this.#child = child;
    this.#ws = ws;
    this.#stderr = stderr;
    ws.onmessage = (ev) => this.#receive(JSON.parse(String(ev.data)));
  }

  /** Starts Chromium, connects, and attaches to its first page with the given viewport. */
  static async launch(
    chromium: string,
    userDataDir: string,
    viewport: { width: number; height: number },
  ): Promise<Browser> {
    const child = new Deno.Command(chromium, {
      args: [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${userDataDir}`,
        "--remote-debugging-port=0",
        `--window-size=${viewport.width},${viewport.height}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const { url, rest } = await devtoolsUrl(child.stderr);
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    const browser = new Browser(child, ws, rest);
    const { targetInfos } = await browser.send("Target.getTargets") as {
      targetInfos: { targetId: string; type: string }[];
    };
    const page = targetInfos.find((t) => t.type === "page");
    const targetId = page
      ? page.targetId
      : (await browser.send("Target.createTarget", { url: "about:blank" })).targetId as string;
    const { sessionId } = await browser.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    }) as { sessionId: string };
    browser.#session = sessionId;
    await browser.send("Page.enable");
    await browser.send("Runtime.enable");
    await browser.send("Log.enable");
    await browser.send("Emulation.setDeviceMetricsOverride", {
      width: viewport.width,
      height: viewport.height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return browser;
  }

  #receive(msg: Record<string, unknown>): void {
    if (typeof msg.id === "number") {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(JSON.stringify(msg.error)));
      else p.resolve((msg.result ?? {}) as Record<string, unknown>);
      return;
    }
    const method = String(msg.method);
    const params = (msg.params ?? {}) as Record<string, unknown>;
    if (method === "Runtime.consoleAPICalled") {
      const args = (params.args as { value?: unknown; description?: string }[] | undefined) ?? [];
      this.messages.push({
        source: "console",
        level: String(params.type),
        text: args.map((a) => a.value ?? a.description ?? "").join(" "),
      });
    } else if (method === "Runtime.exceptionThrown") {
      const d = params.exceptionDetails as { text?: string; exception?: { description?: string } };
      this.messages.push({
        source: "exception",
        level: "error",
        text: `${d.text ?? ""} ${d.exception?.description ?? ""}`.trim(),
      });
    } else if (method === "Log.entryAdded") {
      const e = params.entry as { level: string; text: string; url?: string };
      this.messages.push({
        source: "log",
        level: e.level,
        text: `${e.text} ${e.url ?? ""}`.trim(),
      });
    }
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i].method === method) {
        this.#waiters[i].resolve();
        this.#waiters.splice(i, 1);
      }
    }
  }

  /** Sends a command (to the page's session once attached) and returns its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const msg: Record<string, unknown> = { id, method, params };
    if (this.#session && !method.startsWith("Target.") && !method.startsWith("Browser.")) {
      msg.sessionId = this.#session;
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify(msg));
    });
  }

  /** Loads a URL and waits for its load event. */
  async navigate(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      this.#waiters.push({ method: "Page.loadEventFired", resolve });
    });
    const r = await this.send("Page.navigate", { url });
    if (typeof r.errorText === "string") throw new Error(`navigate ${url}: ${r.errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page and returns its value (JSON-serializable). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** A PNG of the whole page (or of `clip`, in CSS pixels). */
  async screenshot(
    clip?: { x: number; y: number; width: number; height: number },
  ): Promise<Uint8Array> {
    const params: Record<string, unknown> = { format: "png", captureBeyondViewport: true };
    if (clip) params.clip = { ...clip, scale: 1 };
    const { data } = await this.send("Page.captureScreenshot", params) as { data: string };
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  }

  /** Closes the browser and waits for the process to end; returns what it wrote on stderr. */
  async close(): Promise<string> {
    try {
      await Promise.race([
        this.send("Browser.close"),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    } catch {
      // already gone
    }
    const closed = new Promise<void>((resolve) => {
      if (this.#ws.readyState === WebSocket.CLOSED) resolve();
      else this.#ws.onclose = () => resolve();
    });
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
    await closed;
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already exited
      }
    }, 5000);
    await this.#child.status;
    clearTimeout(timer);
    return await this.#stderr;
  }
}

/** Reads Chromium's stderr up to the DevTools URL; the rest keeps being drained. */
async function devtoolsUrl(
  stream: ReadableStream<Uint8Array>,
): Promise<{ url: string; rest: Promise<string> }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
    if (m) {
      const rest = (async () => {
        let more = seen;
        for (;;) {
          const r = await reader.read();
          if (r.done) return more;
          more += r.value;
        }
      })();
      return { url: m[1], rest };
    }
  }
  await reader.cancel();
  throw new Error(`Chromium did not print its DevTools URL; stderr:\n${seen}`);
}
