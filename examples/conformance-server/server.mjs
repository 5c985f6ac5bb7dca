#!/usr/bin/env node
// The upstream MCP server for the conformance suite: every tool, resource and prompt the suite's
// active server scenarios ask for, over stdio or Streamable HTTP.
//
//   node server.mjs --stdio        newline-delimited JSON-RPC on stdin/stdout
//   node server.mjs --http PORT    http://127.0.0.1:PORT/mcp (PORT 0 picks a free port); prints
//                                  "listening on http://127.0.0.1:PORT/mcp" on stdout when ready
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

import { serveHttp } from './http-host.mjs';
import { createConformanceServer } from './surface.mjs';

const USAGE = 'usage: node server.mjs --stdio | --http PORT';

function fail(message) {
  process.stderr.write(`conformance-server: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv) {
  if (argv.length === 1 && argv[0] === '--stdio') {
    const mcp = createConformanceServer();
    await mcp.connect(new StdioServerTransport());
    // Stdout carries the protocol; anything for humans goes to stderr.
    process.stderr.write('conformance-server: serving on stdio\n');
    return;
  }
  if (argv.length === 2 && argv[0] === '--http') {
    if (!/^\d+$/.test(argv[1]) || Number(argv[1]) > 65535) fail(`bad port '${argv[1]}'`);
    const { port, close } = await serveHttp(Number(argv[1]), {
      log: (line) => process.stderr.write(`conformance-server: ${line}\n`),
    });
    process.stdout.write(`listening on http://127.0.0.1:${port}/mcp\n`);
    const stop = () => close().finally(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  fail(argv.length === 0 ? 'no mode given' : `unknown arguments: ${argv.join(' ')}`);
}

main(process.argv.slice(2)).catch((error) => fail(error.stack ?? String(error)));
