// A builder call with a value it cannot take: a ScenarioError at import time.
import { vm } from "../../../mod.ts";

export default vm().cpus(0);
