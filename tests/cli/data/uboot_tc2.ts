// An AArch64 guest on an ARMv7-only machine: a ScenarioError at import time.
import { vm } from "../../../mod.ts";

export default vm().machine("tc2").guest((g) => g.uboot());
