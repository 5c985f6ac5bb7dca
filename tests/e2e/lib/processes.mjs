// Child processes a test starts: each in its own process group (so grandchildren such as a
// gateway's stdio upstreams go too), output kept for failure reports, and all of them killed
// at the end, on failure, on a signal, and at process exit.
import { spawn } from 'node:child_process';

const everyChild = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

process.on('exit', () => {
  for (const child of everyChild) killGroup(child, 'SIGKILL');
});

const MAX_KEPT_OUTPUT = 64 * 1024;

export class ProcessGroup {
  constructor() {
    this.children = [];
  }

  // Starts `command args`; returns the ChildProcess with `.name`, `.output` (the last 64 KiB of
  // stdout and stderr), `.exited` (a promise of { code, signal }) and `.hasExited`.
  spawn(name, command, args, { env, cwd, onStdoutLine } = {}) {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group
    });
    child.name = name;
    child.output = '';
    child.hasExited = false;
    const keep = (chunk) => {
      child.output += chunk.toString();
      if (child.output.length > MAX_KEPT_OUTPUT) child.output = child.output.slice(-MAX_KEPT_OUTPUT);
    };
    let partialLine = '';
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      if (!onStdoutLine) return;
      partialLine += chunk.toString();
      let newline;
      while ((newline = partialLine.indexOf('\n')) >= 0) {
        onStdoutLine(partialLine.slice(0, newline));
        partialLine = partialLine.slice(newline + 1);
      }
    });
    child.stderr.on('data', keep);
    child.stdin.on('error', () => {}); // a child that exits early must not crash the test
    child.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        child.hasExited = true;
        everyChild.delete(child);
        resolve({ code, signal });
      });
      child.on('error', (error) => {
        child.hasExited = true;
        everyChild.delete(child);
        child.output += `\nspawn failed: ${error.message}`;
        resolve({ code: null, signal: null, error });
      });
    });
    everyChild.add(child);
    this.children.push(child);
    return child;
  }

  // SIGTERM to every group, then SIGKILL to what is still there after `graceMs`.
  async stopAll(graceMs = 3000) {
    const running = this.children.filter((c) => !c.hasExited);
    for (const child of running) killGroup(child, 'SIGTERM');
    await Promise.race([
      Promise.all(running.map((c) => c.exited)),
      new Promise((resolve) => setTimeout(resolve, graceMs)),
    ]);
    for (const child of running) {
      // The leader may be gone while its group lives on: kill the group regardless.
      killGroup(child, 'SIGKILL');
    }
    await Promise.all(running.map((c) => c.exited));
  }

  // What the children (all, or those `include` accepts) printed, for a failure message.
  report(include = () => true) {
    return this.children
      .filter(include)
      .map((c) => `----- ${c.name} (pid ${c.pid}) -----\n${c.output.trimEnd()}`)
      .join('\n');
  }
}
