import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moduleReadme } from "./readme";
import { renderVariablesTf } from "./variables";
import { MODULE_REQUIRED_PROVIDERS, MODULE_REQUIRED_TERRAFORM, QdrantModuleStack } from "./module-stack";

/** The module stack as Terraform JSON (what cdktf writes to cdk.tf.json), without cdktf's metadata. */
export function synthesizeModuleStack(): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), "qdrant-module-"));
  try {
    // No provider constructs on purpose: a module uses its caller's providers.
    const app = new App({ outdir, skipValidation: true });
    const stack = new QdrantModuleStack(app);
    app.synth();
    const json = JSON.parse(readFileSync(join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
    delete json["//"];
    return json;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The files of the published module: variables.tf in HCL (cdktf's JSON loses defaults that are 0, false or ""
 * and `cdktf get` types .tf.json variables as `any`), everything else as main.tf.json, and a generated README.
 */
export function moduleFiles(): Record<string, string> {
  const json = synthesizeModuleStack();
  const outputs = (json.output ?? {}) as Record<string, { description?: string }>;
  delete json.variable;
  return {
    "main.tf.json": `${JSON.stringify(json, null, 2)}\n`,
    "variables.tf": renderVariablesTf(),
    "README.md": moduleReadme({
      outputs: Object.entries(outputs).map(([name, o]) => ({ name, description: o.description ?? "" })),
      requiredProviders: MODULE_REQUIRED_PROVIDERS,
      requiredTerraform: MODULE_REQUIRED_TERRAFORM,
    }),
  };
}
