import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";

function synthWith(customer: string, env: NodeJS.ProcessEnv = {}): Record<string, any> {
  const dir = mkdtempSync(join(tmpdir(), "backend-"));
  mkdirSync(join(dir, "customers"));
  writeFileSync(join(dir, "customers", "initech.yaml"), customer);
  const outdir = mkdtempSync(join(tmpdir(), "backend-out-"));
  buildApp(dir, outdir, env).synth();
  return JSON.parse(readFileSync(join(outdir, "stacks", "qdrant-initech", "cdk.tf.json"), "utf8"));
}

const BASE = "eksClusterName: c1\nawsRegion: eu-west-1\napiKeySource: variable\nbackupEnabled: false\n";

describe("stack backends", () => {
  it("uses Terraform Cloud with one workspace per stack when configured", () => {
    const json = synthWith(BASE + "terraformCloud:\n  organization: acme-platform\n  project: qdrant\n");
    expect(json.terraform.cloud).toEqual({ organization: "acme-platform", workspaces: { name: "qdrant-initech", project: "qdrant" } });
    expect(json.terraform.backend).toBeUndefined();
  });

  it("takes an explicit workspace name", () => {
    const json = synthWith(BASE + "terraformCloud:\n  organization: acme-platform\n  workspace: qdrant-prod-initech\n");
    expect(json.terraform.cloud.workspaces).toEqual({ name: "qdrant-prod-initech" });
  });

  it("uses Terraform Cloud for files without a terraformCloud block when TFC_ORGANIZATION is set", () => {
    const json = synthWith(BASE, { TFC_ORGANIZATION: "acme-platform", TFC_PROJECT: "qdrant" });
    expect(json.terraform.cloud).toEqual({ organization: "acme-platform", workspaces: { name: "qdrant-initech", project: "qdrant" } });
    expect(json.terraform.backend).toBeUndefined();
  });

  it("prefers the file's terraformCloud block to TFC_ORGANIZATION", () => {
    const json = synthWith(BASE + "terraformCloud:\n  organization: from-file\n", { TFC_ORGANIZATION: "from-env" });
    expect(json.terraform.cloud).toEqual({ organization: "from-file", workspaces: { name: "qdrant-initech" } });
  });

  it("keeps local state beside the project otherwise, at a relative path", () => {
    expect(synthWith(BASE).terraform.backend).toEqual({ local: { path: "../../../terraform.qdrant-initech.tfstate" } });
  });
});
