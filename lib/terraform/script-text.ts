import { readScript, type ScriptName } from "../shell/read-script";

/** Text as a literal Terraform string: `${` and `%{` start template sequences unless doubled (`$${`, `%%{`). */
export function terraformLiteral(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" itself means "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

const literals = new Map<ScriptName, string>();

/**
 * A shell script under lib/ for the synthesized JSON. Terraform reads every string as a template, so the
 * shell's `${VAR}` and curl's `%{http_code}` must be escaped or the configuration does not parse.
 * Escaped once per process (readScript reads once).
 */
export function scriptLiteral(name: ScriptName): string {
  let literal = literals.get(name);
  if (literal === undefined) {
    literal = terraformLiteral(readScript(name));
    literals.set(name, literal);
  }
  return literal;
}
