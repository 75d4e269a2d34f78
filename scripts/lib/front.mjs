// The front of `npm start -- --processes N` (docs/deploy.md): nginx, the load balancer the Colyseus
// scalability guide recommends since 0.15 (each process has its own public address; a regular load
// balancer is the entry point). It listens on one port and routes
//   /p<i>/...  to process i (its PUBLIC_ADDRESS is 127.0.0.1:<front>/p<i>: the WebSocket of a room
//              goes straight to the process that runs it, as the seat reservation says), and
//   anything else (HTTP API, matchmaking, static client) to any process (round robin; the processes
//              route game requests to the game's process themselves, server/src/cluster/http-route.ts).
// nginx runs in the foreground with its config, pid and temp files under .data/front-<port>/.
// Plain Node ESM.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR } from "./children.mjs";
import { installMissing } from "./apt.mjs";
import { which } from "./util.mjs";

/** The nginx binary (Debian's nginx-light is installed when missing, as the services' packages are). */
export async function ensureNginx(say) {
  await installMissing(
    [
      {
        what: "nginx",
        pkg: "nginx-light",
        why: "the front of --processes: routes clients to the server processes",
        present: () => !!which("nginx"),
        noRecommends: true,
      },
    ],
    say,
  );
  return which("nginx");
}

/** The path prefix of process i (1-based) behind the front. */
export const processPath = (i) => `p${i}`;

const PROXY = `proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 86400s;
      proxy_send_timeout 86400s;`;

/** nginx.conf text for a front on `port` before the server ports `ports` (process i = ports[i-1]). */
export function frontConfig(dir, port, ports) {
  const perProcess = ports
    .map(
      (p, i) => `    location /${processPath(i + 1)}/ {
      proxy_pass http://127.0.0.1:${p}/;
      ${PROXY}
    }`,
    )
    .join("\n");
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  client_max_body_size 2m;
  map $http_upgrade $connection_upgrade { default upgrade; "" close; }
  upstream servers {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join("\n")}
  }
  server {
    listen 127.0.0.1:${port};
${perProcess}
    location / {
      proxy_pass http://servers;
      proxy_next_upstream error timeout;
      ${PROXY}
    }
  }
}
`;
}

/** Writes the config under .data/front-<port>/ and returns nginx's argv (run it in the foreground). */
export function frontCommand(nginx, port, ports) {
  const dir = join(DATA_DIR, `front-${port}`);
  mkdirSync(join(dir, "tmp"), { recursive: true });
  chmodSync(join(dir, "tmp"), 0o777); // nginx's workers (user nobody when started as root) buffer bodies there
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, frontConfig(dir, port, ports));
  return [nginx, ["-p", dir, "-c", conf]];
}
