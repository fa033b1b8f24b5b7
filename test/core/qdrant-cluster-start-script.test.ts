import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scriptSource } from "../support/run-script";

const SCRIPT = scriptSource("qdrant-cluster-start.sh");

/** Runs the script in a folder whose ./entrypoint.sh prints the arguments it was given. */
function start(hostname: string) {
  const dir = mkdtempSync(join(tmpdir(), "qdrant-start-"));
  writeFileSync(join(dir, "entrypoint.sh"), '#!/usr/bin/env bash\necho "ARGS $*"\n');
  chmodSync(join(dir, "entrypoint.sh"), 0o755);
  const env = { PATH: process.env.PATH, HOSTNAME: hostname, QDRANT_STATEFULSET: "acme-qdrant", QDRANT_HEADLESS_SERVICE: "acme-qdrant-headless", QDRANT_P2P_PORT: "6335" };
  return spawnSync("bash", [SCRIPT], { cwd: dir, env, encoding: "utf8" });
}

describe("qdrant-cluster-start.sh", () => {
  it("starts pod 0 as the first peer with its own URI", () => {
    const run = start("acme-qdrant-0");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("ARGS --uri http://acme-qdrant-0.acme-qdrant-headless:6335\n");
  });

  it("joins pod N through pod 0", () => {
    const run = start("acme-qdrant-12");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("ARGS --bootstrap http://acme-qdrant-0.acme-qdrant-headless:6335 --uri http://acme-qdrant-12.acme-qdrant-headless:6335\n");
  });

  it("fails clearly when the hostname has no ordinal", () => {
    const run = start("qdrant");
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("qdrant-cluster-start: cannot read the pod ordinal from HOSTNAME 'qdrant'\n");
  });
});
