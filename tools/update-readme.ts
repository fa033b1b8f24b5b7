// Regenerates what is generated from the input schema: README.md's inputs and rules tables, and the documented
// props interfaces (lib/config/props.ts, collection-props.ts). `npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { propsInterfaceFiles } from "./props-interface";
import { withGeneratedSections } from "./readme-tables";

const root = join(__dirname, "..", "..");
const readme = join(root, "README.md");
writeFileSync(readme, withGeneratedSections(readFileSync(readme, "utf8")));
for (const [file, text] of Object.entries(propsInterfaceFiles())) writeFileSync(join(root, "lib", "config", file), text);
console.log("README.md tables and lib/config/props.ts, collection-props.ts updated");
