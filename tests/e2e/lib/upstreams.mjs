// The upstream MCP servers the end-to-end tests put behind the gateway: the repo's conformance
// server and @modelcontextprotocol/server-everything, over stdio (a config entry the gateway
// spawns) or Streamable HTTP (a process started here on a free loopback port).
import path from 'node:path';

import { CONFORMANCE_SERVER, FIXTURES_DIR, LOOPBACK_PRELOAD, NODE, SERVER_EVERYTHING } from './paths.mjs';
import { freePort, waitForPort } from './ports.mjs';

export function conformanceStdioServer(name = 'conformance', extra = {}) {
  return { name, transport: 'stdio', command: [NODE, CONFORMANCE_SERVER, '--stdio'], ...extra };
}

export function everythingStdioServer(name = 'everything', extra = {}) {
  return { name, transport: 'stdio', command: [NODE, SERVER_EVERYTHING, 'stdio'], ...extra };
}

// Starts a server that prints "listening on http://127.0.0.1:PORT/mcp" once ready (it picks
// its own port); resolves with that URL.
function startSelfReportingServer(group, name, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${child.output}`)), timeoutMs);
    const child = group.spawn(name, NODE, args, {
      onStdoutLine: (line) => {
        const match = /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      },
    });
    child.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening:\n${child.output}`));
    });
  });
}

// The conformance server over HTTP.
export function startConformanceHttp(group, { timeoutMs = 30000 } = {}) {
  return startSelfReportingServer(group, 'conformance-server', [CONFORMANCE_SERVER, '--http', '0'], timeoutMs);
}

// fixtures/http-misbehaving.mjs: an HTTP upstream whose tools fail at the HTTP level.
export function startMisbehavingHttp(group, { timeoutMs = 30000 } = {}) {
  return startSelfReportingServer(group, 'http-misbehaving', [path.join(FIXTURES_DIR, 'http-misbehaving.mjs')], timeoutMs);
}

// fixtures/stdio-misbehaving.mjs in one of its modes, as a gateway server entry.
export function misbehavingStdioServer(name, mode, extra = {}) {
  return { name, transport: 'stdio', command: [NODE, path.join(FIXTURES_DIR, 'stdio-misbehaving.mjs'), mode], ...extra };
}

// Starts server-everything's Streamable HTTP transport, forced onto loopback by the preload.
export async function startEverythingHttp(group, { timeoutMs = 30000 } = {}) {
  const port = await freePort();
  const preload = `--require ${JSON.stringify(LOOPBACK_PRELOAD)}`;
  const child = group.spawn('server-everything', NODE, [SERVER_EVERYTHING, 'streamableHttp'], {
    env: {
      PORT: String(port),
      NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
    },
  });
  await waitForPort(port, { timeoutMs, child });
  return `http://127.0.0.1:${port}/mcp`;
}
