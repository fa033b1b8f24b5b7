/**
 * Recognises values that are unresolved Terraform expressions (CDKTF tokens) without importing cdktf,
 * so format checks can skip them: in the module stack inputs are variables, checked by Terraform's own
 * validation blocks instead. Mirrors cdktf's encodings: strings carry "${TfToken[...]}", lists carry
 * "#{TfToken[...]}", numbers are encoded as doubles near -1.8881545897087626e+289.
 * test/inputs/tokens.test.ts pins this against cdktf's Token.isUnresolved.
 */
export function isUnresolvedToken(value: unknown): boolean {
  if (typeof value === "string") return value.includes("${TfToken[") || value.includes("#{TfToken[");
  if (typeof value === "number") return value < -1e288;
  if (Array.isArray(value)) return value.some(isUnresolvedToken);
  return false;
}
