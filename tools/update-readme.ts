// Regenerates the inputs tables in README.md from the schema, and the change-impact table by synthesizing a before
// and an after deployment for every input: `npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withGeneratedSections } from "./readme-tables";
import { changeImpactMarkdown, changeImpactRows } from "../lib/terraform/change-impact-table";

const path = join(__dirname, "..", "..", "README.md");
writeFileSync(path, withGeneratedSections(readFileSync(path, "utf8"), { "change-impact": changeImpactMarkdown(changeImpactRows()) }));
console.log("README.md inputs and change-impact tables updated");
