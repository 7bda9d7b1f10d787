// A second bench target, written in C: Debian's nginx answering the same flow as bench/flow-server.js
// from its config alone (no upstream). POST /api/chat/async answers a fresh id ($request_id); GET
// /api/streams/{id} answers a node event and the terminal event as text/event-stream, with a
// Content-Length, on a kept-alive connection. It costs a fraction of the Node server's CPU per flow,
// so two generator threads can be measured on a 2-core machine with room to spare on the server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = process.env.BENCH_NGINX ?? '/usr/sbin/nginx';

/** True when nginx can be started here. */
export function nginxAvailable() {
  return existsSync(NGINX);
}

const EVENTS =
  'event: node-complete\\r\\ndata: {"type": "node-complete", "data": {"node": "intake_extract"}}\\r\\n\\r\\n' +
  'event: workflow-complete\\r\\ndata: {"type": "workflow-complete", "data": {}}\\r\\n\\r\\n';

function config(dir, port) {
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:${port};
    location = /api/chat/async {
      default_type application/json;
      return 200 '{"decision_set_id": "$request_id", "thread_id": "t", "job_id": "j", "status": "queued"}';
    }
    location /api/streams/ {
      default_type text/event-stream;
      add_header Cache-Control no-cache;
      add_header X-Accel-Buffering no;
      return 200 '${EVENTS}';
    }
  }
}
`;
}

/** A free loopback port (closed again at once; nginx binds it a moment later). */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on `port`. */
async function listening(port, child) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('nginx did not start listening');
}

/**
 * Starts nginx in the foreground with its files in a temporary directory. `command(args)` returns
 * [cmd, args] (the bench pins it to a core). Resolves with its URL, the pid whose CPU is the
 * server's (its one worker process), and a stop function.
 */
export async function startNginxFlow(command = (args) => [NGINX, args]) {
  const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), config(dir, port));
  const [cmd, args] = command(['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await listening(port, child);
  const master = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
  const worker = Number(readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/)[0]);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: worker,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
