import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { configDir, loadStackConfigs } from "../../stacks/config-files";
import { QdrantConfigError } from "../../lib/config/validate";

function configFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "qdrant-config-"));
  mkdirSync(join(dir, "customers"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problems(dir: string): string[] {
  try {
    loadStackConfigs(dir);
  } catch (error) {
    if (error instanceof QdrantConfigError) return error.problems.map((p) => p.replaceAll(relative(process.cwd(), dir), "<dir>"));
    throw error;
  }
  throw new Error("expected a QdrantConfigError");
}

const CUSTOMER = "eksClusterName: c1\nawsRegion: eu-west-1\napiKeySource: generate\nbackupEnabled: false\n";

describe("config files", () => {
  it("loads the shipped config: the homelab and one stack per customer", () => {
    const stacks = loadStackConfigs(join(__dirname, "../../config"));
    expect(stacks.map((s) => [s.kind, s.stackName])).toEqual([
      ["homelab", "qdrant-homelab"],
      ["eks", "qdrant-acme-corp"],
      ["eks", "qdrant-globex"],
    ]);
  });

  it("takes the customer name from the file name", () => {
    const [stack] = loadStackConfigs(configFolder({ "customers/initech.yaml": CUSTOMER }));
    expect(stack).toMatchObject({ stackName: "qdrant-initech", resolved: { customerName: "initech" }, settings: { awsRegion: "eu-west-1" } });
  });

  it("fails listing every problem of every file, each with its file", () => {
    const dir = configFolder({
      "homelab.yaml": "customerName: homelab\nenableAuthentication: false\nbackupEnabled: false\nkubeconfigPth: x\n",
      "customers/a.yaml": CUSTOMER + "replicas: 0\n",
      "customers/g.yaml": CUSTOMER.replace("c1", "g1").replace("eu-west-1", "cn-north-1"),
      "customers/b.yaml": "customerName: c\napiKeySource: generate\nbackupEnabled: false\n",
    });
    expect(problems(dir)).toEqual([
      '<dir>/homelab.yaml: kubeconfigPth: is not a known key (a typo is never ignored); did you mean "kubeconfigPath"? see the inputs table in README.md for the allowed keys',
      "<dir>/customers/a.yaml: replicas: must be a whole number >= 1 (got 0)",
      "<dir>/customers/b.yaml: awsRegion: is required",
      "<dir>/customers/b.yaml: eksClusterName: is required in a customer file: the EKS stack connects to the cluster through it",
      '<dir>/customers/b.yaml: customerName: must match the file name "b" (the stack is qdrant-<file name>); rename the file or the customer (got "c")',
      "<dir>/customers/g.yaml: awsRegion: is in another AWS partition (China, GovCloud or ISO), whose ARNs this project does not write yet; use a region of the standard partition (got \"cn-north-1\")",
    ]);
  });

  it("fails on YAML syntax errors and duplicate keys with the line", () => {
    const dir = configFolder({ "customers/a.yaml": CUSTOMER + "replicas: 1\nreplicas: 2\n" });
    expect(problems(dir)).toEqual(["<dir>/customers/a.yaml:6: not valid YAML: Map keys must be unique"]);
  });

  it("fails when two customers would create the same namespace on one cluster", () => {
    const dir = configFolder({ "customers/a.yaml": CUSTOMER, "customers/b.yaml": CUSTOMER, "customers/c.yaml": CUSTOMER.replace("eu-west-1", "us-east-1") });
    expect(problems(dir)).toEqual([
      '<dir>/customers/b.yaml: namespace: "qdrant" on EKS cluster "c1" is already created by <dir>/customers/a.yaml; give each customer its own namespace, or set createNamespace: false in one of them',
    ]);
  });

  it("fails when two customers on one cluster would both install metrics-server", () => {
    const autoscaled = (namespace: string) => `${CUSTOMER}namespace: ${namespace}\nreplicas: 2\nautoscaling:\n  enabled: true\n  maxReplicas: 3\n  installMetricsServer: true\n`;
    // c: another cluster; d: a cluster of the same name in another region.
    const dir = configFolder({
      "customers/a.yaml": autoscaled("qa"),
      "customers/b.yaml": autoscaled("qb"),
      "customers/c.yaml": autoscaled("qc").replace("c1", "c2"),
      "customers/d.yaml": autoscaled("qd").replace("eu-west-1", "us-east-1"),
    });
    expect(problems(dir)).toEqual([
      '<dir>/customers/b.yaml: autoscaling.installMetricsServer: metrics-server on EKS cluster "c1" is already installed by <dir>/customers/a.yaml (one Helm release per cluster, which destroying that stack removes for all); set it in one stack per cluster only, or install metrics-server outside these stacks',
    ]);
  });

  it("leaves the homelab's backend alone when TFC_ORGANIZATION is set (its provider reads a local kubeconfig)", () => {
    const dir = configFolder({ "homelab.yaml": "customerName: homelab\napiKeySource: generate\nbackupEnabled: false\n", "customers/a.yaml": CUSTOMER });
    const stacks = loadStackConfigs(dir, { TFC_ORGANIZATION: "acme-platform" });
    expect(Object.fromEntries(stacks.map((s) => [s.stackName, (s.settings as { terraformCloud?: unknown }).terraformCloud]))).toEqual({
      "qdrant-homelab": undefined,
      "qdrant-a": { organization: "acme-platform" },
    });
  });

  it("reads QDRANT_CONFIG_DIR relative to the working directory, or absolute", () => {
    expect(configDir({}, "/srv/app")).toBe("/srv/app/config");
    expect(configDir({ QDRANT_CONFIG_DIR: "other" }, "/srv/app")).toBe("/srv/app/other");
    expect(configDir({ QDRANT_CONFIG_DIR: "/etc/qdrant" }, "/srv/app")).toBe("/etc/qdrant");
  });

  it("fails when the folder is missing or empty", () => {
    expect(() => loadStackConfigs("/nonexistent/config")).toThrow("/nonexistent/config: config folder not found; create it or point QDRANT_CONFIG_DIR at one");
    expect(problems(configFolder({}))).toEqual(["<dir>: no homelab.yaml and no customers/*.yaml; nothing to synthesize"]);
  });
});
