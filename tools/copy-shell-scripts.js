// `npm run build`: copies the shell scripts under lib/ beside the compiled code (<outDir>/lib/<same folder>; outDir
// defaults to dist), where lib/shell/read-script.ts reads them for the ConfigMaps and the pod spec.
const { cpSync } = require("node:fs");
const { join, resolve } = require("node:path");

const root = join(__dirname, "..");
const outDir = resolve(process.argv[2] ?? join(root, "dist"));
cpSync(join(root, "lib"), join(outDir, "lib"), { recursive: true, filter: (src) => !src.endsWith(".ts") });
