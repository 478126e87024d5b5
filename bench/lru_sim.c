/*
 * The C reference of `deno task bench:report`: a plain true-LRU D1
 * simulator, with cachegrind's rules (cachegrind/cg_sim.c, valgrind 3.19):
 * a set keeps its tags from most to least recently used; an access that
 * straddles two lines touches both and counts as one access and at most
 * one miss; a modify (lackey's M) is one read.
 *
 *   lru_sim convert OUT < lackey.log
 *       keeps lackey's data accesses (" L addr,size", " S", " M") as 10-byte
 *       records: address (u64, little-endian), kind (0 L, 1 S, 2 M), size.
 *   lru_sim sim TRACE SIZE WAYS LINE REPS
 *       loads TRACE, simulates a new D1 REPS times and prints, as JSON, the
 *       counts and the nanoseconds of each simulation (loading excluded),
 *       wall-clock (ns) and the process's CPU time (cpu_ns).
 *   lru_sim time PROG ARGS...
 *       runs PROG (stdin, stdout and stderr inherited), then prints to
 *       stderr, as a last line of JSON, its CPU time (user + system, from
 *       wait4's rusage, in ns) and its wall-clock ns; exits with its status.
 *       The bench times cachegrind with it (a shell's `times` counts in
 *       10 ms ticks).
 *
 * Built by bench/report.ts with `gcc -O2`.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  uint64_t *addr;
  uint8_t *kind;
  uint8_t *size;
  size_t n;
} trace_t;

static int convert(const char *out_path) {
  FILE *out = fopen(out_path, "wb");
  if (!out) return 2;
  static char line[256];
  unsigned char rec[10];
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] != ' ' || (line[1] != 'L' && line[1] != 'S' && line[1] != 'M')) continue;
    char *end;
    uint64_t a = strtoull(line + 3, &end, 16);
    if (*end != ',') continue;
    unsigned long s = strtoul(end + 1, NULL, 10);
    for (int i = 0; i < 8; i++) rec[i] = (unsigned char)(a >> (8 * i));
    rec[8] = line[1] == 'L' ? 0 : line[1] == 'S' ? 1 : 2;
    rec[9] = (unsigned char)s;
    fwrite(rec, 1, 10, out);
  }
  return fclose(out) == 0 ? 0 : 2;
}

static int load(const char *path, trace_t *t) {
  FILE *f = fopen(path, "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  t->n = (size_t)bytes / 10;
  t->addr = malloc(t->n * sizeof *t->addr);
  t->kind = malloc(t->n);
  t->size = malloc(t->n);
  unsigned char rec[10];
  for (size_t i = 0; i < t->n; i++) {
    if (fread(rec, 1, 10, f) != 10) return 2;
    uint64_t a = 0;
    for (int k = 0; k < 8; k++) a |= (uint64_t)rec[k] << (8 * k);
    t->addr[i] = a;
    t->kind[i] = rec[8];
    t->size[i] = rec[9];
  }
  fclose(f);
  return 0;
}

typedef struct {
  uint64_t *tags; /* sets * ways, most recent first; ~0 for empty */
  int sets, ways, line_bits;
} cache_t;

/* One line reference: 1 on a miss (the line then becomes the most recent). */
static inline int ref(cache_t *c, uint64_t block) {
  uint64_t *set = c->tags + (size_t)(block & (uint64_t)(c->sets - 1)) * c->ways;
  if (set[0] == block) return 0;
  for (int w = 1; w < c->ways; w++) {
    if (set[w] == block) {
      for (int k = w; k > 0; k--) set[k] = set[k - 1];
      set[0] = block;
      return 0;
    }
  }
  for (int k = c->ways - 1; k > 0; k--) set[k] = set[k - 1];
  set[0] = block;
  return 1;
}

static long long ns_between(struct timespec a, struct timespec b) {
  return (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
}

static int timed(char **argv) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return 2;
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                  (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
  fprintf(stderr, "{\"cpu_ns\":%lld,\"wall_ns\":%lld}\n", cpu, ns_between(a, b));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "convert") == 0) return convert(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "time") == 0) return timed(argv + 2);
  if (argc != 7 || strcmp(argv[1], "sim") != 0) {
    fprintf(stderr, "usage: lru_sim convert OUT | lru_sim sim TRACE SIZE WAYS LINE REPS | lru_sim time PROG ARGS...\n");
    return 2;
  }
  trace_t t;
  if (load(argv[2], &t) != 0) return 2;
  int size = atoi(argv[3]), ways = atoi(argv[4]), line = atoi(argv[5]), reps = atoi(argv[6]);
  cache_t c = {0};
  c.ways = ways;
  c.sets = size / (ways * line);
  while ((1 << c.line_bits) < line) c.line_bits++;
  c.tags = malloc((size_t)c.sets * ways * sizeof *c.tags);
  uint64_t dr = 0, d1mr = 0, dw = 0, d1mw = 0;
  long long *cpu = malloc((size_t)(reps > 0 ? reps : 1) * sizeof *cpu);
  printf("{\"accesses\":%zu,\"ns\":[", t.n);
  for (int r = 0; r < reps; r++) {
    memset(c.tags, 0xff, (size_t)c.sets * ways * sizeof *c.tags);
    dr = d1mr = dw = d1mw = 0;
    struct timespec a, b, ca, cb;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t i = 0; i < t.n; i++) {
      uint64_t first = t.addr[i] >> c.line_bits;
      uint64_t last = (t.addr[i] + t.size[i] - 1) >> c.line_bits;
      int miss = ref(&c, first);
      if (last != first) miss |= ref(&c, last);
      if (t.kind[i] == 1) {
        dw++;
        d1mw += miss;
      } else {
        dr++;
        d1mr += miss;
      }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
    long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    cpu[r] = (long long)(cb.tv_sec - ca.tv_sec) * 1000000000LL + (cb.tv_nsec - ca.tv_nsec);
    printf("%s%lld", r ? "," : "", ns);
  }
  printf("],\"cpu_ns\":[");
  for (int r = 0; r < reps; r++) printf("%s%lld", r ? "," : "", cpu[r]);
  printf("],\"Dr\":%llu,\"D1mr\":%llu,\"Dw\":%llu,\"D1mw\":%llu}\n", (unsigned long long)dr,
         (unsigned long long)d1mr, (unsigned long long)dw, (unsigned long long)d1mw);
  return 0;
}
