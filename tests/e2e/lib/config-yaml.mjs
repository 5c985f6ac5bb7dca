// Writes a gateway config file. Strings are emitted as JSON strings, which YAML reads as
// double-quoted scalars, so paths and URLs need no further escaping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function scalar(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`cannot write ${typeof value} into the config`);
}

function emit(value, indent) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    if (value.every((v) => typeof v !== 'object')) return ` [${value.map(scalar).join(', ')}]`;
    return value.map((item) => `\n${pad}-${emit(item, indent + 2).replace(/^\n\s*/, ' ')}`).join('');
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0) return ' {}';
    return keys.map((k) => `\n${pad}${k}:${emit(value[k], indent + 2)}`).join('');
  }
  return ` ${scalar(value)}`;
}

export function toYaml(document) {
  return `${emit(document, 0).replace(/^\n/, '')}\n`;
}

const tempDirs = new Set();
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// Writes `document` to a fresh temporary folder, removed when the process exits; returns
// { dir, file }.
export function writeTempConfig(document) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-e2e-'));
  tempDirs.add(dir);
  const file = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(file, toYaml(document));
  return { dir, file };
}
