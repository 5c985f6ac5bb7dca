// Starts the real mcp-gateway binary on a free loopback port with a config written for the
// test. The binary comes from MCPGW_BINARY (ctest sets it) unless given.
import fs from 'node:fs';

import { writeTempConfig } from './config-yaml.mjs';
import { freePort, waitForPort } from './ports.mjs';

export function gatewayBinary(explicit) {
  const binary = explicit ?? process.env.MCPGW_BINARY;
  if (!binary) throw new Error('set MCPGW_BINARY to the mcp-gateway binary (ctest does this)');
  if (!fs.existsSync(binary)) throw new Error(`gateway binary not found: ${binary}`);
  return binary;
}

// `config` is everything but `listen`, e.g. { servers: [...], limits: {...} }.
// Resolves with { url, port, origin, child, configFile }.
export async function startGateway(group, config, { binary, timeoutMs = 60000 } = {}) {
  const executable = gatewayBinary(binary);
  const port = await freePort();
  const { file } = writeTempConfig({ listen: `127.0.0.1:${port}`, log_level: 'debug', ...config });
  const child = group.spawn('mcp-gateway', executable, ['run', '--config', file]);
  try {
    await waitForPort(port, { timeoutMs, child });
  } catch (error) {
    throw new Error(`${error.message}\nconfig ${file}:\n${fs.readFileSync(file, 'utf8')}\n${child.output}`);
  }
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    origin: `http://127.0.0.1:${port}`,
    child,
    configFile: file,
  };
}
