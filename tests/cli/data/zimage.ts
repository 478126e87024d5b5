// The 32-bit zImage decompressor (2015 era) on APM X-Gene 1 under KVM 3.18:
// the set/way clean never reaches the L3 system cache, and the kernel reads
// stale memory once the caches are off.
import { vm } from "../../../mod.ts";

export default vm()
  .machine("xgene1")
  .cpus(2)
  .policy("kvm-3.18")
  .guest((g) => g.zImage32({ era: "2015" }));
