import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

// tools/ is plain JavaScript (run by node without a compile step).
const { createTemplateVariant, rewriteProviderImports } = require("../../tools/bench/template-variant") as {
  createTemplateVariant: (root: string) => string;
  rewriteProviderImports: (source: string, namespacesOf: (pkg: string) => Map<string, string>, file: string) => string;
};

const root = join(__dirname, "..", "..");

describe("the benchmark's CDKTF-template copy of the app", () => {
  const namespaces = new Map([["stateful-set-v1", "statefulSetV1"], ["provider", "provider"]]);

  it("imports provider classes from the package root, keeping every imported name (types and renames too)", () => {
    const source = [
      "import {",
      "  StatefulSetV1,",
      "  type StatefulSetV1SpecTemplateSpecToleration,",
      "} from \"@cdktf/provider-kubernetes/lib/stateful-set-v1\";",
      'import { KubernetesProvider as K8s } from "@cdktf/provider-kubernetes/lib/provider";',
      'import { Fn } from "cdktf";',
    ].join("\n");
    expect(rewriteProviderImports(source, () => namespaces, "x.ts").split("\n")).toEqual([
      'import { statefulSetV1 as __root0 } from "@cdktf/provider-kubernetes";',
      "import StatefulSetV1 = __root0.StatefulSetV1;",
      "import StatefulSetV1SpecTemplateSpecToleration = __root0.StatefulSetV1SpecTemplateSpecToleration;",
      'import { provider as __root1 } from "@cdktf/provider-kubernetes";',
      "import K8s = __root1.KubernetesProvider;",
      'import { Fn } from "cdktf";',
    ]);
  });

  it("refuses an import it cannot rewrite, naming the file", () => {
    expect(() => rewriteProviderImports('import { Job } from "@cdktf/provider-kubernetes/lib/job-v1";', () => namespaces, "lib/x.ts")).toThrow(
      "lib/x.ts: @cdktf/provider-kubernetes exports no namespace for lib/job-v1",
    );
    expect(() => rewriteProviderImports('import * as job from "@cdktf/provider-kubernetes/lib/job-v1";', () => namespaces, "lib/x.ts")).toThrow(
      "lib/x.ts: a deep provider import was left unrewritten",
    );
  });

  it("covers every source file of the app, with no deep provider import left", () => {
    const dir = createTemplateVariant(root);
    try {
      const files = (at: string): string[] =>
        readdirSync(at).flatMap((name) => (name === "node_modules" ? [] : statSync(join(at, name)).isDirectory() ? files(join(at, name)) : [join(at, name)]));
      const copied = files(dir).map((f) => f.slice(dir.length + 1));
      expect(copied).toEqual(expect.arrayContaining(["main.ts", "tsconfig.json", "lib/qdrant-deployment.ts", "stacks/app.ts", "lib/shell/qdrant-api.sh"]));
      const sources = copied.filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(dir, f), "utf8"));
      expect(sources.filter((text) => /@cdktf\/provider-\w+\/lib\//.test(text))).toEqual([]);
      expect(sources.some((text) => text.includes('from "@cdktf/provider-aws";'))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")).compilerOptions).toMatchObject({ strict: true, skipLibCheck: true, inlineSourceMap: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
