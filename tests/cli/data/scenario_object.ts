// A module whose default export is a scenario object, not a builder: a guest
// that cleans by VA before turning its caches off, correct everywhere.
import { vm } from "../../../mod.ts";

export default vm().machine("generic").policy("kvm-4.0").guest((g) => g.vaCorrect()).toJSON();
