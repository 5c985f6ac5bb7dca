// Helpers for the auth attack suite: signing keys made with node:crypto (RSA, EC P-256,
// Ed25519), JWT minting (honest and forged), a JWKS/RFC 8414 discovery server the test owns,
// the gateway binary started with a config of the test's choosing, and a reader for its
// JSON-lines audit trail.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

import { writeTempConfig } from '../lib/config-yaml.mjs';
import { gatewayBinary } from '../lib/gateway.mjs';
import { freePort, waitForPort } from '../lib/ports.mjs';

const b64url = (data) => Buffer.from(data).toString('base64url');

// A key pair for one JWS algorithm; `kid` goes into the JWKS and the token header.
export function makeKey(alg, kid) {
  let pair;
  if (alg === 'RS256') pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'EdDSA') pair = crypto.generateKeyPairSync('ed25519');
  else throw new Error(`no key type for ${alg}`);
  return { alg, kid, ...pair };
}

export function publicJwk(key) {
  return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' };
}

function signWith(key, input) {
  const data = Buffer.from(input);
  if (key.alg === 'RS256') return crypto.sign('sha256', data, key.privateKey);
  if (key.alg === 'ES256') return crypto.sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return crypto.sign(null, data, key.privateKey); // EdDSA
}

// header.payload, base64url, with a header of the caller's choosing.
export function signingInput(header, payload) {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
}

// A JWT signed by `key`; `header` adds to (or overrides) { alg, typ, kid }.
export function mint(key, payload, header = {}) {
  const input = signingInput({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header }, payload);
  return `${input}.${signWith(key, input).toString('base64url')}`;
}

// The classic confusion attack: HS256 keyed with the RSA public key's PEM text.
export function hs256WithPublicKey(rsaKey, payload) {
  const pem = rsaKey.publicKey.export({ type: 'spki', format: 'pem' });
  const input = signingInput({ alg: 'HS256', typ: 'JWT', kid: rsaKey.kid }, payload);
  return `${input}.${crypto.createHmac('sha256', pem).update(input).digest('base64url')}`;
}

// A CA made with the openssl command in `dir`, and a server certificate it signed for
// localhost and 127.0.0.1. Returns the file names { caFile, certFile, keyFile }.
export function makeTestCa(dir, name) {
  const file = (f) => path.join(dir, `${name}-${f}`);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(file('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-out', file('server.pem'), '-days', '1', '-extfile', file('server.ext'));
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

// A JWKS server with RFC 8414 metadata, on 127.0.0.1: the issuer is its origin. With `tls`
// ({ certFile, keyFile }) it serves https.
export async function startJwksServer(keys, { tls } = {}) {
  const hits = new Map();
  const serverOptions = tls ? { cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) } : {};
  const server = (tls ? https : http).createServer(serverOptions, (req, res) => {
    const path = req.url.split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = (status, doc) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc));
    };
    if (path === '/.well-known/oauth-authorization-server') {
      return send(200, { issuer: jwks.issuer, jwks_uri: `${jwks.issuer}/jwks`, token_endpoint: `${jwks.issuer}/token` });
    }
    if (path === '/jwks') return send(200, { keys: keys.map(publicJwk) });
    return send(404, { error: 'not found' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwks = {
    issuer: `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`,
    hits: (path) => hits.get(path) ?? 0,
    stop: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
  return jwks;
}

// Starts the gateway binary on a free port whose URL is the resource (so the challenge's
// resource_metadata is the real one). `configFor(resource)` returns the config without `listen`.
export async function startGatewayFor(group, name, configFor) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const { file } = writeTempConfig({ listen: `127.0.0.1:${port}`, log_level: 'debug', ...configFor(resource) });
  const child = group.spawn(name, gatewayBinary(), ['run', '--config', file]);
  try {
    await waitForPort(port, { timeoutMs: 60000, child });
  } catch (error) {
    throw new Error(`${error.message}\nconfig ${file}:\n${fs.readFileSync(file, 'utf8')}\n${child.output}`);
  }
  return {
    url: resource,
    origin: `http://127.0.0.1:${port}`,
    metadataUrl: `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`,
    child,
  };
}

// Writes `text` as is on a new connection to `origin` and resolves with everything the server
// sent until it closed (for requests node:http will not send, e.g. malformed ones).
export function rawExchange(origin, text, timeoutMs = 10000) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(Number(port), hostname, () => socket.end(text));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${origin}: the server did not close within ${timeoutMs} ms; got ${JSON.stringify(received)}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => { received += chunk; });
    socket.on('close', () => { clearTimeout(timer); resolve(received); });
    socket.on('error', () => {}); // a reset after the reply: 'close' follows with what arrived
  });
}

// Resolves when `child` has printed a line matching `pattern`; rejects after timeoutMs.
export async function waitForOutput(child, pattern, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = child.output.split('\n').find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (child.hasExited) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name} printed nothing matching ${pattern} within ${timeoutMs} ms:\n${child.output.slice(-4000)}`);
}

// The records of a JSON-lines audit file, in order (a missing file is an empty trail).
export function readAudit(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  // Only whole lines: the writer may be between write() and the newline.
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}
