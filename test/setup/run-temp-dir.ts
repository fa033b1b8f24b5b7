/**
 * One temporary directory per `jest` run, removed when the run ends: every test file, cdktf's Testing helpers (a
 * `cdktf.outdir.*` per synth) and the servers the tests start make their temporary files under os.tmpdir(), and
 * without this a run left a few hundred directories in /tmp. Set as TMPDIR before the workers start, so they
 * inherit it. A run that was killed leaves its directory behind: the next run removes those whose jest is gone.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "qdrant-test-run-";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Creates the run's directory under `parent` and makes it TMPDIR (for the workers jest starts next). */
export function createRunTempDir(parent = tmpdir()): string {
  for (const name of readdirSync(parent)) {
    const pid = Number(/^qdrant-test-run-(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
  process.env.QDRANT_TEST_RUN_TMPDIR = dir;
  process.env.TMPDIR = dir;
  return dir;
}

export function removeRunTempDir(): void {
  const dir = process.env.QDRANT_TEST_RUN_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
