/**
 * tools/guarded-deploy.ts: init, plan -out, the plan guard on that plan, confirm, apply that plan; nothing applied when
 * the guard refuses. Terraform is replaced by a recorder whose `plan -out` writes a recorded plan (the guard reads a
 * plan file holding `terraform show -json` output as it is, see tools/plan-guard.ts).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { guardedDeploy, type GuardedDeployIo } from "../../tools/guarded-deploy";

const PLANS = join(__dirname, "../fixtures/plans");

function project(stacks: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "guarded-deploy-"));
  for (const stack of stacks) {
    mkdirSync(join(root, "cdktf.out", "stacks", stack), { recursive: true });
    writeFileSync(join(root, "cdktf.out", "stacks", stack, "cdk.tf.json"), "{}");
  }
  return root;
}

/** A run with a recorded plan per stack; what terraform was asked, what was printed, whether a plan file stayed. */
function run(args: string[], plans: Record<string, string>, answer = "yes") {
  const root = project(Object.keys(plans));
  const calls: string[] = [];
  const printed: string[] = [];
  const asked: string[] = [];
  const planFiles: string[] = [];
  const io: GuardedDeployIo = {
    terraform(dir, tfArgs) {
      const stack = dir.split("/").at(-1) as string;
      calls.push(`${stack}: ${tfArgs.join(" ")}`);
      if (tfArgs[0] === "plan") {
        const out = tfArgs.find((a) => a.startsWith("-out="))?.slice(5) as string;
        planFiles.push(out);
        copyFileSync(join(PLANS, plans[stack]), out);
      }
      return 0;
    },
    confirm(question) {
      asked.push(question);
      return answer === "yes";
    },
    print: (line) => printed.push(line),
  };
  try {
    const code = guardedDeploy(args, root, io);
    const leftovers = planFiles.filter((f) => existsSync(f) || existsSync(dirname(f)));
    return { code, calls: calls.map((c) => c.replace(/\/\S*\/guarded\.tfplan/g, "<plan>")), printed: printed.join("\n"), asked, leftovers, planFiles };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

it("applies exactly the plan the guard passed, after a yes", () => {
  const r = run(["qdrant-acme-corp"], { "qdrant-acme-corp": "rolls-statefulset.json" });
  expect(r.code).toBe(0);
  expect(r.calls).toEqual(["qdrant-acme-corp: init -input=false", "qdrant-acme-corp: plan -input=false -out=<plan>", "qdrant-acme-corp: apply -input=false <plan>"]);
  expect(r.asked).toEqual(['Apply this plan to qdrant-acme-corp? Only "yes" applies: ']);
  expect(r.leftovers).toEqual([]);
  // The plan (keys, state) is written outside the project, in a directory only its owner can read.
  expect(r.planFiles[0].startsWith(tmpdir())).toBe(true);
});

it("applies nothing when the guard refuses, says why, and leaves the stacks after it alone", () => {
  const r = run(["qdrant-acme-corp", "qdrant-globex"], { "qdrant-acme-corp": "replaces-statefulset.json", "qdrant-globex": "rolls-statefulset.json" });
  expect(r.code).toBe(1);
  expect(r.calls).toEqual(["qdrant-acme-corp: init -input=false", "qdrant-acme-corp: plan -input=false -out=<plan>"]);
  expect(r.asked).toEqual([]);
  expect(r.printed).toContain("kubernetes_stateful_set_v1.qdrant");
  expect(r.printed.split("\n").at(-1)).toBe("qdrant-acme-corp: the plan guard refused the plan; nothing was applied");
  expect(r.leftovers).toEqual([]);
});

it("applies nothing without a yes; --auto-approve asks nothing", () => {
  const no = run(["qdrant-acme-corp"], { "qdrant-acme-corp": "rolls-statefulset.json" }, "no");
  expect(no.code).toBe(1);
  expect(no.calls.filter((c) => c.includes("apply"))).toEqual([]);
  expect(no.printed.split("\n").at(-1)).toBe("qdrant-acme-corp: not approved; nothing was applied");

  const auto = run(["--auto-approve", "qdrant-acme-corp"], { "qdrant-acme-corp": "rolls-statefulset.json" });
  expect(auto.code).toBe(0);
  expect(auto.asked).toEqual([]);
  expect(auto.calls.at(-1)).toBe("qdrant-acme-corp: apply -input=false <plan>");
});

it("stops with a message, not a stack trace, when the plan cannot be read", () => {
  const r = run(["qdrant-acme-corp"], { "qdrant-acme-corp": "../plans/record.sh" });
  expect(r.code).toBe(1);
  expect(r.printed.split("\n").at(-1)).toMatch(/^qdrant-acme-corp: the plan guard could not read the plan \(.+\); nothing was applied$/);
  expect(r.leftovers).toEqual([]);
});

it("names the synthesized stacks when a stack is unknown or none is given", () => {
  const r = run(["qdrant-acme"], { "qdrant-acme-corp": "rolls-statefulset.json" });
  expect(r.code).toBe(2);
  expect(r.calls).toEqual([]);
  expect(r.printed).toBe("usage: npm run deploy:guarded -- <stack>... [--auto-approve]\nnot synthesized: qdrant-acme; stacks in cdktf.out/stacks: qdrant-acme-corp");
  expect(run([], { "qdrant-homelab": "rolls-statefulset.json" }).printed).toBe(
    "usage: npm run deploy:guarded -- <stack>... [--auto-approve]\nstacks in cdktf.out/stacks: qdrant-homelab",
  );
});
