/** Every shell script the Jobs run is shellcheck-clean. Fails (never skips) when shellcheck is not installed. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SCRIPTS_DIR } from "../support/run-script";

const scripts = fs
  .readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith(".sh"))
  .sort();

it("finds the scripts", () => {
  expect(scripts).toContain("collection-init.sh");
});

it.each(scripts)("%s has no shellcheck findings", (script) => {
  const r = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", path.join(SCRIPTS_DIR, script)], { encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error("shellcheck is not installed; install it with: apt-get update && apt-get install -y shellcheck");
  }
  expect(r.error).toBeUndefined();
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
});
