// The upstream MCP servers the end-to-end tests put behind the gateway: the repo's conformance
// server and @modelcontextprotocol/server-everything, over stdio (a config entry the gateway
// spawns) or Streamable HTTP (a process started here on a free loopback port).
import { CONFORMANCE_SERVER, LOOPBACK_PRELOAD, NODE, SERVER_EVERYTHING } from './paths.mjs';
import { freePort, waitForPort } from './ports.mjs';

export function conformanceStdioServer(name = 'conformance', extra = {}) {
  return { name, transport: 'stdio', command: [NODE, CONFORMANCE_SERVER, '--stdio'], ...extra };
}

export function everythingStdioServer(name = 'everything', extra = {}) {
  return { name, transport: 'stdio', command: [NODE, SERVER_EVERYTHING, 'stdio'], ...extra };
}

// Starts the conformance server over HTTP on a port it picks; resolves with its /mcp URL.
export function startConformanceHttp(group, { timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`conformance server did not start:\n${child.output}`)), timeoutMs);
    const child = group.spawn('conformance-server', NODE, [CONFORMANCE_SERVER, '--http', '0'], {
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
      reject(new Error(`conformance server exited before listening:\n${child.output}`));
    });
  });
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
