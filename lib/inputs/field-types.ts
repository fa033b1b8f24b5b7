/** Zod field builders shared by the schema files, each with the message a user sees when a value is wrong. */
import { z } from "zod";
import { isDns1123Label, isQuantity } from "./kubernetes-formats";
import { isUnresolvedToken } from "./tokens";

const DNS_LABEL_RULE = "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

export const dnsLabel = () =>
  z.string().refine((v) => isUnresolvedToken(v) || isDns1123Label(v), { error: `must be ${DNS_LABEL_RULE}` });

export const quantity = (example: string) =>
  z.string().refine((v) => isUnresolvedToken(v) || isQuantity(v), {
    error: `must be a Kubernetes quantity such as "${example}"`,
  });

/** An integer in a range; `unit` explains the number in the message ("dimensions"). */
export const wholeNumber = (min: number, max?: number, unit?: string) => {
  const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  const error = `must be a whole number ${range}${unit ? ` (${unit})` : ""}`;
  const schema = z.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
};
