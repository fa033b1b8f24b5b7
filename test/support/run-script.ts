/** Runs a shell script for real with bash, for tests: a minimal environment, a hard time limit, captured output. */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SCRIPT_PATHS } from "../../lib/shell/read-script";

const LIB_DIR = path.resolve(__dirname, "..", "..", "lib");

/** Where a script lives in the repository. */
export const scriptSource = (name: keyof typeof SCRIPT_PATHS) => path.join(LIB_DIR, SCRIPT_PATHS[name]);

/**
 * The scripts side by side in one folder, as the pods see them (a ConfigMap mounts a Job's scripts and the shared
 * library into one directory): scripts source their library from their own folder. Removed when the process exits.
 */
export const SCRIPTS_DIR = mkdtempSync(path.join(os.tmpdir(), "qdrant-scripts-"));
for (const name of Object.keys(SCRIPT_PATHS) as (keyof typeof SCRIPT_PATHS)[]) copyFileSync(scriptSource(name), path.join(SCRIPTS_DIR, name));
process.on("exit", () => rmSync(SCRIPTS_DIR, { recursive: true, force: true }));

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout split into lines, without the trailing empty one. */
  lines: string[];
  /** stderr split into lines, without the trailing empty one. */
  errorLines: string[];
}

/**
 * Runs `bash <script>` with only PATH, HOME, LANG and `env` set (nothing leaks from the test process), killing it
 * after `timeoutMs`. Resolves with the exit code and output; never rejects because the script failed.
 */
export function runScript(script: string, env: Record<string, string>, timeoutMs = 15000): Promise<ScriptResult> {
  const file = path.isAbsolute(script) ? script : path.join(SCRIPTS_DIR, script);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [file], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(file)} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const split = (s: string) => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));
      resolve({ code, signal, stdout, stderr, lines: split(stdout), errorLines: split(stderr) });
    });
  });
}
