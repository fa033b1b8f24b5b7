import { Lazy, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { isUnresolvedToken } from "../../lib/config/tokens";

// lib/config must not import cdktf, so it recognises tokens by their encoding; this pins that encoding.
describe("isUnresolvedToken", () => {
  const stack = new TerraformStack(Testing.app(), "t");
  const variable = new TerraformVariable(stack, "v", { type: "string" });
  const tokens: unknown[] = [
    variable.stringValue,
    variable.numberValue,
    variable.listValue,
    new TerraformVariable(stack, "m", { type: "map(string)" }).value,
    Token.asStringMap(variable.value),
    new TerraformVariable(stack, "b", { type: "bool" }).booleanValue,
    Lazy.stringValue({ produce: () => "x" }),
    `prefix-${variable.stringValue}`,
  ];

  it.each(tokens.map((t) => [String(t), t]))("agrees with cdktf for %s", (_name, token) => {
    expect(Token.isUnresolved(token)).toBe(true);
    expect(isUnresolvedToken(token)).toBe(true);
  });

  it.each([["acme"], [3], [0], [-5], [["a", "b"]], [""], [{ a: "b" }], [{}], [true]])("treats %j as a literal", (value) => {
    expect(isUnresolvedToken(value)).toBe(false);
  });
});
