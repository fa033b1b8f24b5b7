import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRunTempDir, removeRunTempDir } from "./run-temp-dir";

describe("a jest run's temporary directory", () => {
  const saved = { TMPDIR: process.env.TMPDIR, QDRANT_TEST_RUN_TMPDIR: process.env.QDRANT_TEST_RUN_TMPDIR };
  let sandbox: string;
  beforeEach(() => (sandbox = mkdtempSync(join(tmpdir(), "run-temp-dir-"))));
  afterEach(() => {
    Object.assign(process.env, saved);
    rmSync(sandbox, { recursive: true, force: true });
  });

  it("is created under the temporary directory, becomes TMPDIR, and is removed with what was made in it", () => {
    const dir = createRunTempDir(sandbox);
    expect(dir).toMatch(new RegExp(`^${sandbox}/qdrant-test-run-${process.pid}-`));
    expect(process.env.TMPDIR).toBe(dir);
    mkdirSync(join(dir, "cdktf.outdir.abc", "stacks"), { recursive: true });
    removeRunTempDir();
    expect(readdirSync(sandbox)).toEqual([]);
  });

  it("removes what a killed run left behind, and keeps a running one's", () => {
    const dead = join(sandbox, "qdrant-test-run-999999999-AbCdEf");
    const running = join(sandbox, `qdrant-test-run-${process.ppid}-XyZ123`);
    const other = join(sandbox, "cdktf.outdir.keep");
    for (const d of [dead, running, other]) mkdirSync(join(d, "x"), { recursive: true });
    createRunTempDir(sandbox);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
});
