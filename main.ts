// Synthesizes one stack per file in config/ (or $QDRANT_CONFIG_DIR) into cdktf.out/stacks/<stack>/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QdrantConfigError } from "./lib/inputs/validate";
import { PodSecurityViolation } from "./lib/k8s/pod-security";
import { buildApp } from "./stacks/app";
import { configDir } from "./stacks/config-files";

process.env.CHECKPOINT_DISABLE ??= "1";

function printWarnings(manifestPath: string): void {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    stacks: Record<string, { annotations?: { level: string; message: string }[] }>;
  };
  for (const [stack, { annotations = [] }] of Object.entries(manifest.stacks)) {
    for (const a of annotations) if (a.level.endsWith("warn")) console.warn(`warning: ${stack}: ${a.message}`);
  }
}

try {
  const app = buildApp(configDir());
  app.synth();
  // The cdktf CLI prints annotations itself; run directly (npm run synth), print the warnings here.
  if (!process.env.CDKTF_OUTDIR) printWarnings(join(app.outdir, "manifest.json"));
} catch (error) {
  if (error instanceof QdrantConfigError || error instanceof PodSecurityViolation) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
