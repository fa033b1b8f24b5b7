import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where each shell script lives, under lib/ (`npm run build` copies them beside the compiled code). */
export const SCRIPT_PATHS = {
  "log.sh": "shell/log.sh",
  "qdrant-api.sh": "shell/qdrant-api.sh",
  "backup-destination.sh": "shell/backup-destination.sh",
  "restore-steps.sh": "shell/restore-steps.sh",
  "collection-init.sh": "collections/collection-init.sh",
  "qdrant-backup.sh": "backup/qdrant-backup.sh",
  "qdrant-restore.sh": "backup/qdrant-restore.sh",
  "qdrant-backup-verify.sh": "backup/qdrant-backup-verify.sh",
  "qdrant-cluster-start.sh": "core/qdrant-cluster-start.sh",
} as const;

export type ScriptName = keyof typeof SCRIPT_PATHS;

const texts = new Map<ScriptName, string>();

/**
 * The text of a script, by its file name (the name it has in the pods too). Read once per process: every stack
 * embeds the same scripts, and they do not change while a synth runs.
 */
export function readScript(name: ScriptName): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(join(__dirname, "..", SCRIPT_PATHS[name]), "utf8");
    texts.set(name, text);
  }
  return text;
}
