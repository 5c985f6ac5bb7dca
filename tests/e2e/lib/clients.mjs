// SDK clients for the tests, connected to the gateway over Streamable HTTP, or (for checking
// the tests themselves against an upstream with no gateway, MCPGW_E2E_DIRECT=1) over stdio.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// True when the tests should talk to the upstreams directly, to validate the tests themselves.
export const DIRECT = process.env.MCPGW_E2E_DIRECT === '1';

// target: { url } or { stdio: { command: [program, ...args] } } (a gateway server entry).
export function transportFor(target) {
  if (target.url) return new StreamableHTTPClientTransport(new URL(target.url));
  const [command, ...args] = target.stdio.command;
  return new StdioClientTransport({ command, args, stderr: 'pipe' });
}

export async function connectClient(target, { capabilities = {}, setup = () => {} } = {}) {
  const client = new Client({ name: 'mcpgw-e2e', version: '1.0.0' }, { capabilities });
  setup(client); // handlers must be in place before the server can use them
  const transport = transportFor(target);
  await client.connect(transport);
  return { client, transport };
}

const SANITIZER_REPORT = /ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:/;

// What the started processes printed, for a failure: a sanitizer report from its first line
// (that is where the bad access is), otherwise the last lines of each process.
export function processReport(group) {
  const parts = [];
  for (const child of group.children) {
    const lines = child.output.trimEnd().split('\n');
    const sanitizer = lines.findIndex((line) => SANITIZER_REPORT.test(line));
    const shown = sanitizer >= 0 ? lines.slice(sanitizer, sanitizer + 80) : lines.slice(-25);
    parts.push(`----- ${child.name} (pid ${child.pid}${child.hasExited ? ', exited' : ''}) -----\n${shown.join('\n')}`);
  }
  return parts.join('\n');
}

// Fails if any started process (the gateway is built with ASan and UBSan) printed a sanitizer
// report, even when every request was answered; call it after group.stopAll() so that leak
// reports at exit are included.
export function assertNoSanitizerReport(group) {
  const reporting = group.children.filter((child) => SANITIZER_REPORT.test(child.output));
  if (reporting.length > 0) {
    throw new Error(`sanitizer report from ${reporting.map((c) => c.name).join(', ')}:\n${processReport(group)}`);
  }
}

// Runs `body`; on failure appends what the started processes printed, so a failing case shows
// the gateway's side too.
export async function withProcessReport(group, body) {
  try {
    return await body();
  } catch (error) {
    error.message = `${error.message}\n--- process output ---\n${processReport(group)}`;
    throw error;
  }
}
