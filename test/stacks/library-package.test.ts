import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// What another TypeScript project gets from package.json main/types: the compiled library, usable as is.
describe("the compiled library", () => {
  const root = join(__dirname, "../..");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const out = mkdtempSync(join(tmpdir(), "qdrant-lib-"));

  beforeAll(() => {
    // --noCheck: the same files as `npm run build` (checked identical), a third less CPU; `npm run typecheck` type-checks.
    const tsc = [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", join(out, "dist"), "--incremental", "false", "--noCheck"];
    execFileSync(process.execPath, tsc, { stdio: "pipe" });
    execFileSync(process.execPath, [join(root, "tools/copy-shell-scripts.js"), join(out, "dist")], { stdio: "pipe" });
    cpSync(join(root, "package.json"), join(out, "package.json"));
    symlinkSync(join(root, "node_modules"), join(out, "node_modules"));
  }, 120000);

  it("has the entry and the types package.json points at", () => {
    expect(existsSync(join(out, pkg.main))).toBe(true);
    expect(existsSync(join(out, pkg.types))).toBe(true);
    expect(readFileSync(join(out, pkg.types), "utf8")).toContain("QdrantDeployment");
  });

  it("synthesizes a deployment from the compiled code, with no terraform binary on PATH (synth runs no `terraform version`)", () => {
    const script = `
      const { App, TerraformStack } = require("cdktf");
      const { KubernetesProvider } = require("@cdktf/provider-kubernetes/lib/provider");
      const { QdrantDeployment } = require(${JSON.stringify(join(out, pkg.main))});
      const app = new App({ outdir: ${JSON.stringify(join(out, "cdktf.out"))} });
      const stack = new TerraformStack(app, "consumer");
      new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
      new QdrantDeployment(stack, "qdrant", { customerName: "consumer", apiKeySource: "generate", backupEnabled: false, replicas: 3 });
      app.synth();`;
    const emptyPath = mkdtempSync(join(tmpdir(), "empty-path-"));
    execFileSync(process.execPath, ["-e", script], { cwd: out, stdio: "pipe", env: { ...process.env, PATH: emptyPath } });
    const json = JSON.parse(readFileSync(join(out, "cdktf.out/stacks/consumer/cdk.tf.json"), "utf8"));
    expect(json.resource.kubernetes_stateful_set_v1.qdrant.metadata.name).toBe("consumer-qdrant");
  });
});
