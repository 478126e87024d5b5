// arm64 U-Boot on the default machine; `--machine tc2` cannot run it.
import { vm } from "../../../mod.ts";

export default vm().guest((g) => g.uboot({ words: 4, pages: 1 }));
