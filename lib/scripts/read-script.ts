import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The text of a script in lib/scripts/ (copied beside the compiled code by `npm run build`). */
export function readScript(fileName: string): string {
  return readFileSync(join(__dirname, fileName), "utf8");
}
