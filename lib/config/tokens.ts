/**
 * Recognises values that are unresolved Terraform expressions (CDKTF tokens) without importing cdktf,
 * so format checks can skip them: in the module stack inputs are variables, checked by Terraform's own
 * validation blocks instead. Mirrors cdktf's encodings: strings carry "${TfToken[...]}", lists carry
 * "#{TfToken[...]}", maps a single "&{TfToken[...]}" key, numbers are encoded as huge negative doubles
 * (around -1e289 and beyond), and booleans or other expressions are objects with a `resolve` method.
 * test/config/tokens.test.ts pins this against cdktf's Token.isUnresolved.
 */
export function isUnresolvedToken(value: unknown): boolean {
  if (typeof value === "string") return value.includes("${TfToken[") || value.includes("#{TfToken[");
  if (typeof value === "number") return value < -1e288;
  if (Array.isArray(value)) return value.some(isUnresolvedToken);
  if (value !== null && typeof value === "object") {
    if (typeof (value as { resolve?: unknown }).resolve === "function") return true;
    return Object.keys(value).some((k) => k.includes("&{TfToken["));
  }
  return false;
}
