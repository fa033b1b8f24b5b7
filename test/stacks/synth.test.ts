import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { formatSummary, runSynth, summarize, synthesizeAll } from "../../stacks/synth";

const CUSTOMER = "eksClusterName: c1\nawsRegion: eu-west-1\napiKeySource: generate\nbackupEnabled: false\n";
// A v1.13 homelab with authentication and no ServiceMonitor: nothing can scrape /metrics, which synth warns about.
const HOMELAB = "customerName: lab\nqdrantVersion: v1.13.2\napiKeySource: generate\nbackupEnabled: false\ncollectionsConfig: []\n";

function configFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "synth-config-"));
  mkdirSync(join(dir, "customers"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("npm run synth", () => {
  const config = configFolder({ "customers/initech.yaml": CUSTOMER, "homelab.yaml": HOMELAB });
  const work = mkdtempSync(join(tmpdir(), "synth-out-"));
  const outdir = join(work, "cdktf.out");
  const summary = synthesizeAll(config, outdir);

  it("summarizes each stack: resources and data sources as in the written JSON (counted from the app, or read back), the file, the warnings", () => {
    expect(summary.map((s) => s.name)).toEqual(["qdrant-homelab", "qdrant-initech"]);
    for (const s of summary) {
      const json = JSON.parse(readFileSync(s.file, "utf8"));
      const count = (blocks: Record<string, object> = {}) => Object.values(blocks).reduce((n, b) => n + Object.keys(b).length, 0);
      expect(s.resources).toBe(count(json.resource));
      expect(s.dataSources).toBe(count(json.data));
      expect(s.file).toBe(join(outdir, "stacks", s.name, "cdk.tf.json"));
    }
    expect(summary[0].warnings).toEqual([expect.stringMatching(/^metrics: no prometheus.io scrape annotations: Qdrant v1.13.2 needs an API key/)]);
    expect(summary[1].warnings).toEqual([]);
    // Read back from the files alone (no app), the summary is the same.
    expect(summarize(outdir)).toEqual(summary);
  });

  it("prints one line per stack, paths relative to the working directory, then the warnings", () => {
    const text = formatSummary(summary, config, work);
    const [homelab, initech] = summary;
    expect(text.split("\n")).toEqual([
      `Synthesized 2 stacks from ../${basename(config)}/:`,
      `  qdrant-homelab  ${homelab.resources} resources, 1 data source  cdktf.out/stacks/qdrant-homelab/cdk.tf.json`,
      // Two data sources: the EKS cluster lookup (the token is an ephemeral resource) and the running StatefulSet.
      `  qdrant-initech  ${initech.resources} resources, 2 data sources  cdktf.out/stacks/qdrant-initech/cdk.tf.json`,
      "Warnings (1):",
      `  qdrant-homelab: ${homelab.warnings[0]}`,
    ]);
    expect(formatSummary([{ ...initech, resources: 1, dataSources: 1 }], config, work)).toContain("1 resource, 1 data source  ");
    expect(formatSummary([initech], config, work).split("\n").pop()).toBe("No warnings.");
  });

  it("replaces the previous output: a stack whose file is gone is gone from the output too", () => {
    const smaller = configFolder({ "customers/initech.yaml": CUSTOMER });
    synthesizeAll(smaller, outdir);
    expect(readdirSync(join(outdir, "stacks"))).toEqual(["qdrant-initech"]);
    expect(readdirSync(work)).toEqual(["cdktf.out"]);
  });

  it("fails on bad input by removing the previous output, printing the problems and saying so (exit 1)", () => {
    const bad = configFolder({ "customers/initech.yaml": `${CUSTOMER}replcas: 3\n` });
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((text: string) => void errors.push(text));
    try {
      expect(runSynth(bad, outdir, work)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(/^Invalid Qdrant configuration \(1 problem\):\n {2}- .*initech\.yaml: replcas: is not a known key/);
    expect(errors[1]).toBe("Nothing synthesized; removed cdktf.out/ so no earlier output passes for current.");
    expect(existsSync(outdir)).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });
});
