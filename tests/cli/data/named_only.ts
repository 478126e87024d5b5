// No default export, one named builder: the command line runs that builder.
import { vm } from "../../../mod.ts";

export const POLICY = "kvm-4.0";
export const buggy = vm().policy(POLICY).guest((g) => g.noMaintenance());
