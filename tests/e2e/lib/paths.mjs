// Where things are in the repository, from this file's location.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '../..');
export const FIXTURES_DIR = path.join(E2E_DIR, 'fixtures');
export const LOOPBACK_PRELOAD = path.join(E2E_DIR, 'loopback-preload.cjs');
export const CONFORMANCE_SERVER = path.join(REPO_ROOT, 'examples/conformance-server/server.mjs');
export const SERVER_EVERYTHING = path.join(
  REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
// The pinned suite and the Node 22 it runs on (tests/conformance/package.json).
export const CONFORMANCE_NODE = path.join(REPO_ROOT, 'tests/conformance/node_modules/.bin/node');
export const CONFORMANCE_CLI = path.join(
  REPO_ROOT, 'tests/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js');
// The node running the tests also runs the upstreams (absolute, so PATH does not matter).
export const NODE = process.execPath;
