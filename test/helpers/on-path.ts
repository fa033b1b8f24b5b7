import * as fs from "node:fs";
import * as path from "node:path";

/** The first executable file `name` on the test process's PATH (a look, no process started), or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir || ".", name); // an empty entry is the working directory, as for execvp
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
