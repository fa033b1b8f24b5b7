// Synthesizes one stack per file in config/ (or $QDRANT_CONFIG_DIR) into cdktf.out/stacks/<stack>/.
import { resolve } from "node:path";
import { QdrantConfigError } from "./lib/config/validate";
import { PodSecurityViolation } from "./lib/core/pod-security";
import { buildApp } from "./stacks/app";
import { configDir } from "./stacks/config-files";
import { runSynth } from "./stacks/synth";
import { dropTokenCreationTraces } from "./stacks/token-creation-traces";

process.env.CHECKPOINT_DISABLE ??= "1";
dropTokenCreationTraces();

if (process.env.CDKTF_OUTDIR) {
  // Run by the cdktf CLI (cdktf synth/deploy): it chose the output folder and prints the warnings itself.
  try {
    buildApp(configDir()).synth();
  } catch (error) {
    if (!(error instanceof QdrantConfigError || error instanceof PodSecurityViolation)) throw error;
    console.error(error.message);
    process.exit(1);
  }
} else {
  process.exitCode = runSynth(configDir(), resolve("cdktf.out"));
}
