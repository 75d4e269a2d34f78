/**
 * docker/compose.yml describes what `npm start -- --processes 3 --cluster` runs (issue 17; docs/deploy.md):
 * no Docker engine runs here, so the file is parsed (the `yaml` package, with YAML 1.1 merge keys as
 * Compose reads them) and its topology checked against scripts/start.mjs, the local cluster
 * (scripts/lib/valkey-cluster.mjs), the front's routes (docker/front.conf) and the server's environment
 * names (server/src/config.ts names each one; the server reads it).
 */
import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { GAME_SERVER_NODE_FLAGS } from "../../../scripts/lib/node-flags.mjs";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  ports?: string[];
}

const compose = parse(read("docker/compose.yml"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const servers = Object.keys(services)
  .filter((n) => /^server-\d+$/.test(n))
  .sort();
const clusterNodes = Object.keys(services)
  .filter((n) => /^valkey-c\d+$/.test(n))
  .sort();

/** `--flag value` pairs of a command line. */
function flags(command: string[]): Map<string, string> {
  const out = new Map<string, string>();
  command.forEach((w, i) => w.startsWith("--") && out.set(w, command[i + 1] ?? ""));
  return out;
}

/** Every .ts file under server/src, as text. */
function serverSources(dir = join(ROOT, "server/src")): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return serverSources(p);
    return p.endsWith(".ts") ? [readFileSync(p, "utf8")] : [];
  });
}

describe("docker/compose.yml: the topology of npm start -- --processes 3 --cluster", () => {
  it("three server replicas on Colyseus' Redis presence, each under its own path of the front", () => {
    expect(servers).to.deep.equal(["server-1", "server-2", "server-3"]);
    const front = read("docker/front.conf");
    for (const [i, name] of servers.entries()) {
      const s = services[name]!;
      expect(s.build, name).to.deep.include({ dockerfile: "docker/Dockerfile" });
      expect(s.environment?.PRESENCE, name).to.equal("redis");
      const path = `s${i + 1}`;
      expect(s.environment?.PUBLIC_ADDRESS, name).to.match(new RegExp(`:8080/${path}$`));
      expect(front).to.include(`location /${path}/ { proxy_pass http://${name}:2567/; }`);
      expect(front).to.match(new RegExp(`upstream servers \\{[^}]*server ${name}:2567`));
    }
    // the image runs the server's entry point with the flags start.mjs gives each process
    const cmd = ["node", ...GAME_SERVER_NODE_FLAGS, "--import", "tsx", "server/src/main.ts"];
    expect(read("docker/Dockerfile")).to.include(`CMD ${JSON.stringify(cmd).replaceAll(",", ", ")}`);
    expect(read("scripts/start.mjs")).to.include('"server/src/main.ts"');
  });

  it("the front is nginx on 8080 with docker/front.conf, in front of every server", () => {
    const front = services.front!;
    expect(front.image).to.match(/^nginx:/);
    expect(front.ports).to.deep.equal(["8080:8080"]);
    expect(front.volumes).to.deep.equal(["./front.conf:/etc/nginx/conf.d/default.conf:ro"]);
    expect(front.depends_on).to.have.members(servers);
    expect(read("scripts/start.mjs")).to.match(/ensureNginx/); // start.mjs' front is nginx too
  });

  it("the persister runs its own entry point on the same Valkey Cluster and PostgreSQL as the servers", () => {
    const p = services.persister!;
    const s = services["server-1"]!;
    expect(p.command).to.deep.equal(["node", "--import", "tsx", "server/src/persister-main.ts"]);
    expect(read("scripts/start.mjs")).to.include('"server/src/persister-main.ts"');
    for (const k of ["VALKEY_URL", "VALKEY_CLUSTER", "DATABASE_URL"])
      expect(p.environment?.[k], k).to.equal(s.environment?.[k]);
  });

  it("a 3-master Valkey Cluster with the local cluster's settings, formed by its init before servers and persister start", () => {
    expect(clusterNodes).to.deep.equal(["valkey-c1", "valkey-c2", "valkey-c3"]);
    expect(read("scripts/start.mjs")).to.match(/startValkeyCluster\(\{ masters: 3/);
    const local = read("scripts/lib/valkey-cluster.mjs");
    const addresses: string[] = [];
    for (const name of clusterNodes) {
      const f = flags(services[name]!.command!);
      expect(services[name]!.image, name).to.match(/^valkey\/valkey:/);
      for (const flag of [
        "--cluster-enabled",
        "--cluster-require-full-coverage",
        "--cluster-node-timeout",
        "--appendonly",
      ]) {
        expect(f.get(flag), `${name} ${flag}`).to.be.a("string");
        expect(local, `${flag} in valkey-cluster.mjs`).to.include(`"${flag}", "${f.get(flag)}"`);
      }
      expect(services[name]!.volumes?.[0], name).to.match(/^valkey-c\d-data:\/data$/);
      addresses.push(`${name}:${f.get("--port")}`);
    }
    const env = services["server-1"]!.environment!;
    expect(env.VALKEY_CLUSTER).to.equal(`\${VALKEY_CLUSTER-${addresses.join(",")}}`);
    const init = services["valkey-cluster-init"]!;
    const script = init.command!.join(" ");
    expect(script).to.match(/--cluster create/);
    expect(script).to.match(/--cluster-replicas 0/);
    for (const [i, name] of clusterNodes.entries())
      expect(script)
        .to.include(`getent hosts ${name} `)
        .and.include(`:700${i + 1}`);
    expect(init.depends_on).to.have.keys(clusterNodes);
    for (const name of [...servers, "persister"]) {
      const deps = services[name]!.depends_on as Record<string, { condition: string }>;
      expect(deps["valkey-cluster-init"], name).to.deep.equal({ condition: "service_completed_successfully" });
      expect(deps.postgres, name).to.deep.equal({ condition: "service_healthy" });
    }
  });

  it("PostgreSQL and the presence's own Valkey, named by the servers' URLs", () => {
    expect(services.postgres!.image).to.match(/^postgres:/);
    expect(services.valkey!.image).to.match(/^valkey\/valkey:/);
    const env = services["server-1"]!.environment!;
    expect(env.DATABASE_URL).to.match(/@postgres:5432\//);
    expect(env.PRESENCE_URL).to.equal("redis://valkey:6379");
  });

  it("every environment name given to a server or the persister is one the server reads, named in config.ts", () => {
    const config = read("server/src/config.ts");
    const sources = serverSources().join("\n");
    const names = new Set([...servers, "persister"].flatMap((n) => Object.keys(services[n]!.environment ?? {})));
    expect(names.size).to.be.greaterThan(5);
    for (const name of names) {
      expect(config, `${name} in server/src/config.ts`).to.match(new RegExp(`\\b${name}\\b`));
      expect(sources, `${name} read in server/src`).to.match(new RegExp(`env\\.${name}\\b|"${name}"`));
    }
  });
});
