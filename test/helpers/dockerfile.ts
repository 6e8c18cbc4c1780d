import { readFileSync } from "node:fs";

/** The final stage of the Dockerfile: what `docker run` starts, and with what. */
export interface ImageConfig {
  from: string;
  env: Record<string, string>;
  user: string | undefined;
  workdir: string | undefined;
  entrypoint: string[];
  cmd: string[];
  /** The HEALTHCHECK command (exec form) and its options. */
  healthcheck: { options: Record<string, string>; cmd: string[] } | undefined;
  stopSignal: string | undefined;
  expose: string[];
  volumes: string[];
  /** Every RUN line of the stage. */
  run: string[];
  /** `COPY` sources and destinations, in order. */
  copies: Array<{ from: string | undefined; sources: string[]; destination: string }>;
}

/** Instructions one per logical line: comments dropped, `\` continuations joined. */
function instructions(text: string): Array<{ keyword: string; args: string }> {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw) && pending === "") continue;
    const line = raw.replace(/\s+$/, "");
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = "";
  }
  if (pending) logical.push(pending);
  return logical
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args };
    });
}

function execForm(args: string, what: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === "string"))
    throw new Error(`${what} must be in exec form (a JSON array): ${args}`);
  return parsed as string[];
}

/** `ENV A=1 B="two words"` (and the legacy `ENV A 1`). */
function envPairs(args: string): Record<string, string> {
  if (!args.includes("=")) {
    const [key = "", ...value] = args.split(/\s+/);
    return { [key]: value.join(" ") };
  }
  const pairs: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const value = match[2] ?? "";
    pairs[match[1] ?? ""] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return pairs;
}

/** Parses the final stage of a Dockerfile (the instructions modelgate's uses). */
export function readImageConfig(path: URL): ImageConfig {
  const all = instructions(readFileSync(path, "utf8"));
  const lastFrom = all.map((i) => i.keyword).lastIndexOf("FROM");
  const stage = all.slice(lastFrom);
  const config: ImageConfig = {
    from: stage[0]?.args ?? "",
    env: {},
    user: undefined,
    workdir: undefined,
    entrypoint: [],
    cmd: [],
    healthcheck: undefined,
    stopSignal: undefined,
    expose: [],
    volumes: [],
    run: [],
    copies: [],
  };
  for (const { keyword, args } of stage.slice(1)) {
    switch (keyword) {
      case "ENV":
        Object.assign(config.env, envPairs(args));
        break;
      case "USER":
        config.user = args;
        break;
      case "WORKDIR":
        config.workdir = args;
        break;
      case "ENTRYPOINT":
        config.entrypoint = execForm(args, "ENTRYPOINT");
        break;
      case "CMD":
        config.cmd = execForm(args, "CMD");
        break;
      case "STOPSIGNAL":
        config.stopSignal = args;
        break;
      case "EXPOSE":
        config.expose.push(...args.split(/\s+/));
        break;
      case "VOLUME":
        config.volumes.push(...(args.startsWith("[") ? execForm(args, "VOLUME") : args.split(/\s+/)));
        break;
      case "RUN":
        config.run.push(args);
        break;
      case "COPY": {
        const parts = args.split(/\s+/);
        const from = parts.find((part) => part.startsWith("--from="))?.slice("--from=".length);
        const paths = parts.filter((part) => !part.startsWith("--"));
        config.copies.push({ from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] ?? "" });
        break;
      }
      case "HEALTHCHECK": {
        const match = /^((?:--\S+=\S+\s+)*)CMD\s+(.*)$/.exec(args);
        if (!match) throw new Error(`HEALTHCHECK must be --options CMD [exec form]: ${args}`);
        const options = Object.fromEntries(
          [...(match[1] ?? "").matchAll(/--(\S+?)=(\S+)/g)].map((m) => [m[1] ?? "", m[2] ?? ""]),
        );
        config.healthcheck = { options, cmd: execForm(match[2] ?? "", "HEALTHCHECK CMD") };
        break;
      }
    }
  }
  return config;
}
