// Stage2's records are chunked bitsets whose uniform chunks keep only a mark
// (all clear, all set) until a page inside changes: a fast path. Here random
// sequences of map, unmap, populate, mapAll and clear run on it and on a plain
// set of page numbers written in this file, on RAM sizes around the chunk
// boundaries (2^15 pages) and the 32-page words, and every answer is compared:
// each call's result, every page's two bits and the two counts.
import assert from "node:assert/strict";
import fc from "fast-check";
import { PAGE_SIZE, Stage2 } from "../../lib/hyp/stage2.ts";

const CHUNK = 1 << 15;

/** What a VM's stage 2 records, the slow way: two sets of page numbers. */
class PlainStage2 {
  readonly mapped = new Set<number>();
  readonly populated = new Set<number>();
  constructor(readonly pages: number) {}
  map(p: number): boolean {
    const added = !this.mapped.has(p);
    this.mapped.add(p);
    return added;
  }
  unmap(p: number): boolean {
    return this.mapped.delete(p);
  }
  populate(p: number): boolean {
    const added = !this.populated.has(p);
    this.populated.add(p);
    return added;
  }
  mapAll(): void {
    for (let p = 0; p < this.pages; p++) {
      this.mapped.add(p);
      this.populated.add(p);
    }
  }
  clear(): void {
    this.mapped.clear();
    this.populated.clear();
  }
}

type Op =
  | { kind: "map" | "unmap" | "populate"; page: number; offset: number }
  | { kind: "mapAll" | "clear" };

/** Page numbers where the representation changes: words, chunks, the end of RAM. */
function edges(pages: number): number[] {
  const near = [0, 1, 31, 32, 33, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK];
  for (let k = 1; k <= 40; k++) near.push(pages - k);
  return [...new Set(near.filter((p) => p >= 0 && p < pages))].sort((a, b) => a - b);
}

const RAM_PAGES = [1, 31, 33, 1000, CHUNK, CHUNK + 1, 2 * CHUNK - 3, 2 * CHUNK + 37, 3 * CHUNK];

function opArb(pages: number): fc.Arbitrary<Op> {
  const page = fc.oneof(fc.constantFrom(...edges(pages)), fc.integer({ min: 0, max: pages - 1 }));
  const offset = fc.integer({ min: 0, max: PAGE_SIZE - 1 });
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({ kind: fc.constantFrom("map", "unmap", "populate"), page, offset }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("mapAll", "clear") }) },
  ) as fc.Arbitrary<Op>;
}

const caseArb = fc.constantFrom(...RAM_PAGES).chain((pages) =>
  fc.record({
    pages: fc.constant(pages),
    base: fc.constantFrom(0x4000_0000, 0x8_0000_0000),
    ops: fc.array(opArb(pages), { maxLength: 60 }),
  })
);

/** Compares the two records on `pages` and on the counts. */
function assertSame(s2: Stage2, plain: PlainStage2, base: number, pages: Iterable<number>): void {
  assert.equal(s2.mappedPages, plain.mapped.size, "mapped pages");
  assert.equal(s2.populatedPages, plain.populated.size, "populated pages");
  for (const p of pages) {
    const addr = base + p * PAGE_SIZE + (p % 7) * 4;
    assert.equal(s2.isMapped(addr), plain.mapped.has(p), `page ${p} mapped`);
    assert.equal(s2.isPopulated(addr), plain.populated.has(p), `page ${p} populated`);
  }
}

Deno.test("stage2: the chunked records answer as two plain sets of pages, on any sequence", () => {
  fc.assert(
    fc.property(caseArb, ({ pages, base, ops }) => {
      const s2 = new Stage2(base, pages * PAGE_SIZE);
      const plain = new PlainStage2(pages);
      const watched = new Set(edges(pages));
      for (const op of ops) {
        if (!("page" in op)) {
          s2[op.kind]();
          plain[op.kind]();
        } else {
          watched.add(op.page);
          const addr = base + op.page * PAGE_SIZE + op.offset;
          assert.equal(s2[op.kind](addr), plain[op.kind](op.page), `${op.kind}(page ${op.page})`);
        }
        assertSame(s2, plain, base, watched);
      }
      // Every page, once: no page outside the ones watched changed.
      assertSame(s2, plain, base, Array.from({ length: pages }, (_, p) => p));
      // A record never keeps more than one 4 KiB bitmap per chunk, and a uniform one none.
      assert.ok(s2.bitmapBytes <= 2 * 4096 * Math.ceil(pages / CHUNK));
      s2.clear();
      assert.equal(s2.bitmapBytes, 0);
    }),
    { seed: 0x52, numRuns: 300 },
  );
});

Deno.test("stage2: page numbers and bases, inside RAM and just outside it", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...RAM_PAGES),
      fc.constantFrom(0x4000_0000, 0x8_0000_0000),
      fc.integer({ min: -PAGE_SIZE, max: 4 * CHUNK * PAGE_SIZE }),
      fc.constantFrom(-1, 0, 1, -4, -PAGE_SIZE, null),
      (pages, base, random, nearEnd) => {
        // Just below, at and past the end of RAM, or anywhere.
        const off = nearEnd === null ? random : pages * PAGE_SIZE + nearEnd;
        const s2 = new Stage2(base, pages * PAGE_SIZE);
        const addr = base + off;
        const inside = off >= 0 && off < pages * PAGE_SIZE;
        assert.equal(s2.pageIndex(addr), inside ? Math.floor(off / PAGE_SIZE) : -1);
        if (inside) assert.equal(s2.pageBase(addr), base + off - (off % PAGE_SIZE));
        if (!inside) {
          assert.equal(s2.isMapped(addr), false);
          assert.throws(() => s2.map(addr), RangeError);
        }
      },
    ),
    { seed: 0x53, numRuns: 500 },
  );
});
