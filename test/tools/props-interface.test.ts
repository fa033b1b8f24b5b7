import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CollectionInput } from "../../lib/config/collections";
import type { QdrantCollection } from "../../lib/config/collection-props";
import type { QdrantDeploymentProps } from "../../lib/config/props";
import type { QdrantDeploymentInput, QdrantInputs } from "../../lib/config/schema";
import { INTERFACES, propsInterfaceFiles } from "../../tools/props-interface";

// Compile-time (npm run typecheck): the generated props accept exactly what the schema accepts. Each type is
// assignable to the other, and both have the same property names at every depth (mutual assignability alone would
// let an optional property go missing).
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Paths<T> = T extends readonly (infer E)[]
  ? `[]${Paths<E>}` | "[]"
  : T extends object
    ? { [K in keyof T & string]-?: `.${K}` | `.${K}${Paths<NonNullable<T[K]>>}` }[keyof T & string]
    : never;
const propsAreTheSchemasInput: Mutual<QdrantDeploymentProps, QdrantDeploymentInput> = true;
const samePropertyNames: Mutual<Paths<QdrantDeploymentProps>, Paths<QdrantDeploymentInput>> = true;
const collectionsToo: Mutual<Paths<QdrantCollection>, Paths<CollectionInput>> = true;
// The module stack passes validated inputs whose values are Terraform expressions (tokens): they stay accepted.
const validatedInputsAreProps = (inputs: QdrantInputs): QdrantDeploymentProps => inputs;

describe("the props interfaces (lib/config/props.ts, collection-props.ts)", () => {
  const files = propsInterfaceFiles();

  it("are as the schema generates them (run `npm run docs` after changing an input)", () => {
    expect(Object.keys(files).sort()).toEqual(["collection-props.ts", "props.ts"]);
    for (const [file, text] of Object.entries(files)) expect(readFileSync(join(__dirname, "../../lib/config", file), "utf8")).toBe(text);
  });

  it("document every prop, nested ones too, with its description and (when optional) its default", () => {
    const text = Object.values(files).join("\n");
    const props = [...text.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\n\s*readonly (\w+)(\??):/g)];
    expect(props.length).toBe([...text.matchAll(/^\s*readonly /gm)].length);
    const undocumented = props.filter(([, doc, , optional]) => doc.replace(/[/*\s]|@default.*/g, "").length < 5 || (optional === "?") !== doc.includes("@default"));
    expect(undocumented.map(([, , name]) => name)).toEqual([]);
    expect(text).toContain('/** Kubernetes namespace. @default "qdrant" */\n  readonly namespace?: string;');
    expect(text).toMatch(/Name of the StatefulSet and Service[\s\S]*@default - `<customerName>-qdrant`\n\s*\*\/\n\s*readonly resourceName\?: string;/);
    expect(text).toContain('/** CPU (cores or millicores). @default "4" */');
    expect(text).toContain("readonly collectionsConfig?: QdrantCollection[];");
  });

  it("name the nested objects users build on their own (and type-check against the schema, above)", () => {
    expect(Object.values(INTERFACES).map((i) => i.name)).toEqual(expect.arrayContaining(["QdrantDeploymentProps", "QdrantCollection", "QdrantToleration", "QdrantNetworkClient"]));
    // Each interface has its own description (the props' own is not lent to a nested one).
    const text = Object.values(files).join("\n");
    const docs = [...text.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\nexport interface (\w+)/g)].map(([, doc, name]) => [name, doc.replace(/[/*\s]+/g, " ").trim()]);
    expect(docs.map(([name]) => name).sort()).toEqual(Object.values(INTERFACES).map((i) => i.name).sort());
    expect(docs.filter(([, doc], i) => docs.findIndex(([, other]) => other === doc) !== i)).toEqual([]);
    expect(Object.fromEntries(docs)).toMatchObject({ QdrantNetworkClient: expect.stringMatching(/^A client that may reach Qdrant/) });
    expect([propsAreTheSchemasInput, samePropertyNames, collectionsToo, typeof validatedInputsAreProps]).toEqual([true, true, true, "function"]);
  });
});
