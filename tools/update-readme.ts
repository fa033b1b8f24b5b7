// Regenerates what is generated from the input schema: README.md's inputs and rules tables, the change-impact table
// (a before and an after deployment synthesized for every input), and the documented props interfaces
// (lib/config/props.ts, collection-props.ts). `npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { propsInterfaceFiles } from "./props-interface";
import { withGeneratedSections } from "./readme-tables";
import { changeImpactMarkdown, changeImpactRows } from "../lib/terraform/change-impact-table";

const root = join(__dirname, "..", "..");
const readme = join(root, "README.md");
writeFileSync(readme, withGeneratedSections(readFileSync(readme, "utf8"), { "change-impact": changeImpactMarkdown(changeImpactRows()) }));
for (const [file, text] of Object.entries(propsInterfaceFiles())) writeFileSync(join(root, "lib", "config", file), text);
console.log("README.md tables (inputs, rules, change impact) and lib/config/props.ts, collection-props.ts updated");
