#!/usr/bin/env node
// Synth benchmark: homelab + N generated customers (N = 1, 10, 50), from the precompiled dist/main.js,
// each in a fresh process, then the Terraform module. Prints wall time and peak RSS. Run with `npm run bench`
// (it builds first).
// Budget on a 2-core machine: homelab + 50 customers in under 3 s and 400 MB.
const { spawnSync } = require("node:child_process");
const { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const root = join(__dirname, "..", "..");
const main = join(root, "dist", "main.js");
const template = readFileSync(join(root, "config", "customers", "acme-corp.yaml"), "utf8");
const sizes = (process.env.BENCH_SIZES || "1,10,50").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS || 3);

function configFor(customers) {
  const dir = mkdtempSync(join(tmpdir(), "qdrant-bench-"));
  mkdirSync(join(dir, "config", "customers"), { recursive: true });
  copyFileSync(join(root, "config", "homelab.yaml"), join(dir, "config", "homelab.yaml"));
  for (let i = 1; i <= customers; i++) {
    const name = `customer-${String(i).padStart(3, "0")}`;
    const text = template
      .replace(/^customerName: .*$/m, `customerName: ${name}`)
      .replace(/^eksClusterName: .*$/m, `eksClusterName: eks-${name}`);
    writeFileSync(join(dir, "config", "customers", `${name}.yaml`), text);
  }
  return dir;
}

function synthOnce(dir) {
  rmSync(join(dir, "cdktf.out"), { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["--require", join(__dirname, "report-rss.js"), main], {
    cwd: dir,
    env: { ...process.env, QDRANT_CONFIG_DIR: "config", CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`synth failed:\n${run.stderr}`);
  const rssKb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr)[1]);
  return { seconds, rssMb: rssKb / 1024 };
}

console.log(`synth benchmark: ${runs} run(s) each, node ${process.version}, dist/main.js`);
console.log("stacks  resources  wall s (best / median)  peak RSS MB (max)");
for (const n of sizes) {
  const dir = configFor(n);
  const results = Array.from({ length: runs }, () => synthOnce(dir));
  const times = results.map((r) => r.seconds).sort((a, b) => a - b);
  const resources = countResources(join(dir, "cdktf.out", "stacks"));
  const rss = Math.max(...results.map((r) => r.rssMb));
  console.log(
    `${String(n + 1).padStart(6)}  ${String(resources).padStart(9)}  ${times[0].toFixed(2).padStart(6)} / ${times[Math.floor(times.length / 2)].toFixed(2).padEnd(12)}  ${rss.toFixed(0).padStart(6)}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

// The Terraform module (npm run build:module's work, without the compile): one stack, every part counted.
{
  const out = mkdtempSync(join(tmpdir(), "qdrant-bench-module-"));
  const results = Array.from({ length: runs }, () => {
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, ["--require", join(__dirname, "report-rss.js"), join(root, "dist", "tools", "build-module.js"), out], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`build-module failed:\n${run.stderr}`);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMb: Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr)[1]) / 1024 };
  });
  const times = results.map((r) => r.seconds).sort((a, b) => a - b);
  const module = JSON.parse(readFileSync(join(out, "main.tf.json"), "utf8"));
  const resources = Object.values(module.resource || {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  console.log(`module  ${String(resources).padStart(9)}  ${times[0].toFixed(2).padStart(6)} / ${times[Math.floor(times.length / 2)].toFixed(2).padEnd(12)}  ${Math.max(...results.map((r) => r.rssMb)).toFixed(0).padStart(6)}`);
  rmSync(out, { recursive: true, force: true });
}

function countResources(stacksDir) {
  const { readdirSync } = require("node:fs");
  let count = 0;
  for (const stack of readdirSync(stacksDir)) {
    const json = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"));
    for (const byName of Object.values(json.resource || {})) count += Object.keys(byName).length;
  }
  return count;
}
