/**
 * The key-change guard: with internal auth on (cluster mode, Qdrant >= v1.18), each peer sends its own api-key to
 * the others and accepts only its api-key or alt-api-key (Qdrant src/common/auth/mod.rs, transport_channel_pool.rs).
 * During a rolling update pods on the old keys and pods on the new ones run side by side, so a plan is refused
 * unless each side accepts the other's read-write key: the new api-key is one of the old keys, and the old api-key
 * one of the new. The documented three-step rotation passes; a one-step switch would stall the rollout with a peer
 * down and every later plan refused by the readiness guard.
 *
 * The running keys are read as hashes from an annotation the StatefulSet carries (its metadata, so writing it rolls
 * no pod), never from the Secret; the new ones come from a local over the keys' sources (variables, generated
 * passwords, the Secrets Manager secret). The check is a precondition of the Secret, so it stops before the Secret
 * changes even when Terraform can make it only at apply.
 */

/** StatefulSet annotation: `<sha256 of api-key>,<sha256 of alt-api-key>` while peers check keys, else "". */
export const KEY_HASHES_ANNOTATION = "qdrant.tech/api-key-sha256";

/**
 * The precondition over the running StatefulSets (`objects`, a kubernetes_resources list) and the new hashes
 * (`hashes`, an HCL string expression). Nothing runs, no annotation yet, or peers not checking keys: true.
 */
export function keyChangeCheck(objects: string, hashes: string, enforceInternalAuth: string): { condition: string; errorMessage: string } {
  const running = `split(",", try(o.metadata.annotations["${KEY_HASHES_ANNOTATION}"], ""))`;
  return {
    condition:
      `\${alltrue([for o in ${objects} : alltrue([for old in [${running}] : alltrue([for new in [split(",", ${hashes})] : ` +
      `(length(old) < 2 || length(new) < 2) ? true : (contains(old, new[0]) && contains(new, old[0]))])])])}`,
    errorMessage:
      "The API keys change in one step while Qdrant's peers check each other's key (internal auth, cluster mode): each peer sends its api-key and " +
      "accepts only its api-key or alt-api-key, so pods restarted with the new keys and pods still on the old ones would reject each other, and the " +
      "rollout would stall with a peer down. Rotate in three applies (README, \"Rotating a key\"): the new key as alt-api-key; then the swap (the new " +
      `key as api-key, the old one as alt-api-key); then the alternate removed. For generated keys, set ${enforceInternalAuth} to false in an apply ` +
      "of its own before replacing the key, and back to true afterwards; a generated key already replaced in state: docs/runbook.md, section 6.",
  };
}
