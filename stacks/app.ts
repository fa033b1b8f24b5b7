import { App } from "cdktf";
import { loadStackConfigs, StackConfig } from "./config-files";
import { EksCustomerStack } from "./eks-customer-stack";
import { HomelabStack } from "./homelab-stack";
import { QdrantStack } from "./qdrant-stack";

export function addStack(app: App, config: StackConfig): QdrantStack {
  return config.kind === "homelab" ? new HomelabStack(app, config) : new EksCustomerStack(app, config);
}

/** One stack per config file in `dir`. */
export function buildApp(dir: string, outdir?: string, env: NodeJS.ProcessEnv = process.env): App {
  const app = new App(outdir ? { outdir } : undefined);
  for (const config of loadStackConfigs(dir, env)) addStack(app, config);
  return app;
}
