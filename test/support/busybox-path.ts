/**
 * A PATH with the default job image's tools, for running the Jobs' scripts as their pods do. That image
 * (`alpine/k8s`, input `jobImage`) is Alpine: its coreutils and findutils are BusyBox applets, and it adds only the
 * real bash, curl and jq the scripts need (and the AWS CLI, which file:// runs never call). The PATH is one directory
 * of symlinks: every applet of Debian's `busybox --list` to busybox, and bash, curl and jq to the host's. Nothing else
 * is on it, so a GNU-only option, or a tool the image lacks, fails here as it does in the pod.
 * (tools/test-prerequisites.sh installs busybox.)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onPath } from "../helpers/on-path";

/** What the image has for real: never a BusyBox applet, even where BusyBox has one of that name. */
const REAL_TOOLS = ["bash", "curl", "jq"];

let built: string | undefined;

/** The directory (built once per process, removed when it exits); use it as the whole PATH of a script run. */
export function busyboxPath(): string {
  if (built) return built;
  const busybox = onPath("busybox");
  const listed = busybox ? spawnSync(busybox, ["--list"], { encoding: "utf8" }) : undefined;
  if (!busybox || !listed || listed.error || listed.status !== 0) {
    throw new Error(
      `the BusyBox script test needs busybox on PATH (found: ${busybox ? (listed?.error?.message ?? listed?.stderr.trim()) : "nothing"}); ` +
        "install it with: apt-get update && apt-get install -y busybox",
    );
  }
  const real = REAL_TOOLS.map((tool) => [tool, onPath(tool)] as const);
  const missing = real.filter(([, file]) => !file).map(([tool]) => tool);
  if (missing.length > 0) throw new Error(`the BusyBox script test needs ${missing.join(", ")} on PATH`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "busybox-path-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const applets = listed.stdout.split("\n").filter((a) => a !== "" && !a.includes("/") && !REAL_TOOLS.includes(a));
  for (const applet of applets) fs.symlinkSync(busybox, path.join(dir, applet));
  for (const [tool, file] of real) fs.symlinkSync(file as string, path.join(dir, tool));
  built = dir;
  return dir;
}
