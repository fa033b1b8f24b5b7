/**
 * An S3-compatible server for script tests: s3rver (npm) on 127.0.0.1 with one bucket, plus a proxy in front of it
 * that can cut uploads mid-way, and plain HTTP helpers to read, write and list objects from the test without the
 * AWS CLI (s3rver accepts unsigned requests).
 *
 * Also finds the AWS CLI v2 the scripts need: Debian's awscli at /usr/bin/aws (an `aws` earlier on PATH may be an
 * old v1 from the image's Python).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

// s3rver ships no types; this is the part of its API used here.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: http.Server;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;
const S3rver = require("s3rver") as S3rverClass;

export const AWS_CLI = "/usr/bin/aws";

const AWS_CLI_SHIM_DIR = path.join(__dirname, "aws-cli");

/** Fails (never skips) when Debian's AWS CLI v2 is missing, naming the fix. Asks through the shared zygote (cheap). */
export function requireAwsCli(): void {
  const found = fs.existsSync(AWS_CLI)
    ? spawnSync(path.join(AWS_CLI_SHIM_DIR, "aws"), ["--version"], { encoding: "utf8", env: { ...process.env, ...awsEnv() } })
    : undefined;
  if (!found || found.error || found.status !== 0 || !/^aws-cli\/2\./.test(found.stdout)) {
    const zygoteLog = path.join(path.dirname(awsEnv().AWS_ZYGOTE_SOCKET), "zygote.log");
    if (found && fs.existsSync(zygoteLog)) process.stderr.write(`AWS CLI zygote (${zygoteLog}):\n${fs.readFileSync(zygoteLog, "utf8")}`);
    throw new Error(
      `the backup tests need the AWS CLI v2 at ${AWS_CLI} (found: ${found ? (found.error?.message ?? (found.stdout || found.stderr).trim()) : "nothing"}); ` +
        "install it with: apt-get update && apt-get install -y awscli",
    );
  }
}

/** The process whose lifetime bounds the zygote: jest's main process (a worker's parent), or this one when in band. */
function zygoteOwner(): { pid: number; tag: string } {
  const pid = process.env.JEST_WORKER_ID ? process.ppid : process.pid;
  let started = "";
  try {
    // Field 22 of /proc/<pid>/stat (the start time): a reused pid never finds an old run's socket.
    started = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[19] ?? "";
  } catch {
    started = "";
  }
  return { pid, tag: `${pid}-${started}` };
}

let zygoteSocket: string | undefined;

/**
 * The AWS CLI zygote (test/support/aws-cli/zygote.py) shared by every test file of this jest run, started by the
 * first worker that needs it: Debian's AWS CLI imported once, each `aws` call a fork of it running the real CLI
 * (about 0.15-0.35 s of CPU per call instead of 0.8-1 s). It stops by itself once jest's main process is gone.
 */
function awsCliZygote(): string {
  if (zygoteSocket) return zygoteSocket;
  const owner = zygoteOwner();
  const dir = path.join(os.tmpdir(), `qdrant-test-aws-cli-${owner.tag}`);
  const socket = path.join(dir, "socket");
  let first = true;
  try {
    fs.mkdirSync(dir, { mode: 0o700 }); // exactly one worker wins; the others use its zygote (the shim waits for it)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    first = false;
  }
  if (first) {
    // Its output goes to a file: a pipe of this worker's would keep jest waiting for the zygote, which waits for jest.
    const log = fs.openSync(path.join(dir, "zygote.log"), "a");
    const zygote = spawn("/usr/bin/python3", [path.join(AWS_CLI_SHIM_DIR, "zygote.py"), socket, String(owner.pid)], {
      stdio: ["ignore", log, log],
      detached: true,
    });
    fs.closeSync(log);
    zygote.unref();
  }
  zygoteSocket = socket;
  return socket;
}

/**
 * Environment for scripts that use the AWS CLI against this server: the test shim `aws` first on PATH (the real
 * CLI through the zygote), then /usr/bin (an `aws` later on PATH may be an old v1), dummy credentials.
 */
export function awsEnv(): Record<string, string> {
  return {
    PATH: `${AWS_CLI_SHIM_DIR}:/usr/bin:/bin:${process.env.PATH ?? ""}`,
    AWS_ZYGOTE_SOCKET: awsCliZygote(),
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    // A cut connection is retried once, not four times with back-off: keeps failure tests fast.
    AWS_MAX_ATTEMPTS: "2",
    AWS_RETRY_MODE: "standard",
  };
}

export interface S3Object {
  key: string;
  size: number;
}

export interface S3Server {
  /** The endpoint scripts use (the proxy in front of s3rver). */
  readonly endpoint: string;
  readonly bucket: string;
  /** While set, every PUT whose decoded key matches `key` has its connection destroyed after `afterBytes` body bytes. */
  cutUploads(rule: { key: RegExp; afterBytes: number } | undefined): void;
  /** Number of uploads cut so far. */
  readonly cutCount: number;
  /** Every request the scripts sent through the proxy: method and decoded key (empty for bucket-level calls). */
  readonly requests: { method: string; key: string }[];
  /** Called with each request as it arrives at the proxy, before it is passed on. */
  onRequest(hook: ((r: { method: string; key: string }) => void) | undefined): void;
  list(prefix?: string): Promise<S3Object[]>;
  get(key: string): Promise<Buffer>;
  put(key: string, body: Buffer | string): Promise<void>;
  close(): Promise<void>;
}

const keyUrl = (base: string, bucket: string, key: string) => `${base}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-f]+));/gi, (m, name: string, dec?: string, hex?: string) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" } as Record<string, string>)[name] ?? m,
  );

export async function startS3Server(bucket = "backups"): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
  const s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port: s3Port } = await s3.run();
  const direct = `http://127.0.0.1:${s3Port}`;

  let cut: { key: RegExp; afterBytes: number } | undefined;
  let cutCount = 0;
  let hook: ((r: { method: string; key: string }) => void) | undefined;
  const requests: { method: string; key: string }[] = [];
  const proxy = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const key = decodeURIComponent(url.pathname).replace(new RegExp(`^/${bucket}/?`), "");
    requests.push({ method: req.method ?? "GET", key });
    hook?.({ method: req.method ?? "GET", key });
    const rule = req.method === "PUT" && cut && cut.key.test(key) ? cut : undefined;
    const upstream = http.request({ host: "127.0.0.1", port: s3Port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    let seen = 0;
    req.on("data", (chunk: Buffer) => {
      if (rule) {
        seen += chunk.length;
        if (seen >= rule.afterBytes) {
          cutCount++;
          upstream.destroy();
          req.socket.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
    req.on("end", () => upstream.end());
    // A client that gives up mid-body (the AWS CLI on a timeout) must not leave s3rver waiting for the rest.
    req.on("close", () => {
      if (!req.complete) upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    cutUploads: (rule) => void (cut = rule),
    onRequest: (h) => void (hook = h),
    get cutCount() {
      return cutCount;
    },
    requests,
    async list(prefix = "") {
      const out: S3Object[] = [];
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
        const xml = await (await fetch(`${direct}/${bucket}?${q}`)).text();
        for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
          out.push({ key: unescapeXml(/<Key>([\s\S]*?)<\/Key>/.exec(m[1])?.[1] ?? ""), size: Number(/<Size>(\d+)<\/Size>/.exec(m[1])?.[1]) });
        }
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]*)</.exec(xml)?.[1] : undefined;
      } while (token);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async get(key) {
      const res = await fetch(keyUrl(direct, bucket, key));
      if (!res.ok) throw new Error(`GET ${key}: HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async put(key, body) {
      const res = await fetch(keyUrl(direct, bucket, key), { method: "PUT", body: typeof body === "string" ? body : new Uint8Array(body) });
      if (!res.ok) throw new Error(`PUT ${key}: HTTP ${res.status}`);
    },
    async close() {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      // Idle keep-alive sockets (the proxy's agent, the test's fetch) would hold s3rver's close open until they time
      // out, which on a loaded machine outlasted jest's hook limit: end them now.
      const closing = s3.close();
      s3.httpServer?.closeAllConnections();
      await closing;
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
