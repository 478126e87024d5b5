/**
 * The helpers that hand events to a sink without its fast methods: the
 * events one `emit` each would give, and the index of the record that holds
 * the last one, as the fast methods return it.
 */

import assert from "node:assert/strict";
import { emitRepeatedOn, type EventSink } from "../../lib/hyp/event_sink.ts";
import { EventLog } from "../../lib/engine/event_log.ts";

/** A sink with `emit` alone, which keeps every event as its own record. */
function plainSink(): EventSink & { names: string[] } {
  const names: string[] = [];
  return {
    enabled: true,
    names,
    emit(name) {
      names.push(name);
      return names.length - 1;
    },
  };
}

Deno.test("emitRepeatedOn: n events on a sink with emit alone, returning the last one's record", () => {
  const sink = plainSink();
  sink.emit("vcpu_load", 0, 0, null, { pcpu: 0 });
  const last = emitRepeatedOn(sink, "kvm_exit", 0, 0, 0x4000_0000, { reason: "dcsw", ec: 0x18 }, 3);
  assert.deepEqual(sink.names, ["vcpu_load", "kvm_exit", "kvm_exit", "kvm_exit"]);
  assert.equal(last, 3);
  // The log's own emitRepeated answers the same way: the record that holds the last event.
  const log = new EventLog(undefined, { collapse: false });
  log.emit("vcpu_load", 0, 0, null, { pcpu: 0 });
  assert.equal(emitRepeatedOn(log, "kvm_exit", 0, 0, 0x4000_0000, { reason: "dcsw" }, 3), 3);
});
