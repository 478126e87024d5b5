/**
 * The worker of the command line's sandbox (sandbox.ts): publishes on the
 * watch page it is given, imports the scenario module under its load
 * deadline, then runs the command line with an io that sends everything
 * to the thread that started it.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { pathToFileURL } from "node:url";
import { clearDeadline, installWatch, watchDeadline } from "../hyp/watch.ts";
import type { CliIo } from "./io.ts";
import { main } from "./main.ts";
import { importModule } from "../import_module.ts";

interface Start {
  readonly argv: string[];
  readonly cwd: string;
  readonly colour: boolean;
  readonly page: SharedArrayBuffer;
  readonly preload: string | null;
  readonly file: string;
  readonly loadMs: number;
  readonly wallMs: number;
}

const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let nextId = 0;

/** The failure of a write, as the other thread saw it: Deno's own error class when it has one. */
function writeError(failure: { name: string; message: string }): Error {
  const Class = (Deno.errors as unknown as Record<string, ErrorConstructor>)[failure.name];
  return typeof Class === "function" ? new Class(failure.message) : new Error(failure.message);
}

/** Asks the other thread to write a file or make a directory, and waits for the answer. */
function request(message: { type: "file" | "mkdir"; path: string; text: string }): Promise<void> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    self.postMessage({ ...message, id });
  });
}

function proxyIo(cwd: string, colour: boolean): CliIo {
  return {
    cwd,
    colour,
    write(text) {
      self.postMessage({ type: "out", text });
      return Promise.resolve();
    },
    error(text) {
      self.postMessage({ type: "err", text });
      return Promise.resolve();
    },
    writeFile(path, text) {
      return request({ type: "file", path, text });
    },
    makeDir(path) {
      return request({ type: "mkdir", path, text: "" });
    },
  };
}

self.onmessage = async (e: MessageEvent) => {
  const data = e.data;
  if (data.type === "written") {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.failure === null) p?.resolve();
    else p?.reject(writeError(data.failure));
    return;
  }
  const start = data as Start;
  installWatch(start.page, start.wallMs);
  if (start.preload !== null) {
    watchDeadline(start.loadMs, `loading ${start.file}`);
    try {
      await importModule(pathToFileURL(start.preload).href);
    } catch {
      // main() imports it again, and reports the failure as it always does
    }
    clearDeadline();
  }
  const status = await main(start.argv, proxyIo(start.cwd, start.colour));
  self.postMessage({ type: "done", status });
};
