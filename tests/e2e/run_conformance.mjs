#!/usr/bin/env node
// Runs the official MCP conformance suite (pinned in tests/conformance/) against the gateway
// with the repo's conformance server as its upstream, RUNS times in a row.
//
//   node tests/e2e/run_conformance.mjs GATEWAY_BINARY MODE [RUNS]
//     MODE stdio   the gateway spawns the conformance server over stdio
//     MODE http    the conformance server runs on its own port; the gateway connects over HTTP
//     MODE direct  no gateway: the suite talks to the conformance server itself (GATEWAY_BINARY
//                  is ignored; pass -). Checks the upstream, so a gateway failure can be told
//                  apart from an upstream one.
//
// Exits 0 only if every run passes every check and runs at least EXPECTED_CHECKS of them.
// Everything it starts is killed when it ends, also on failure or Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { assertNoSanitizerReport } from './lib/clients.mjs';
import { startGateway } from './lib/gateway.mjs';
import { CONFORMANCE_CLI, CONFORMANCE_NODE } from './lib/paths.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { conformanceStdioServer, startConformanceHttp } from './lib/upstreams.mjs';

// The active server scenarios of @modelcontextprotocol/conformance 0.1.16 make 40 checks; fewer
// means scenarios went missing, which must not pass silently.
const EXPECTED_CHECKS = 40;
const RUN_TIMEOUT_MS = 300_000;
const USAGE = 'usage: run_conformance.mjs GATEWAY_BINARY stdio|http|direct [RUNS]';

function usageError(message) {
  console.error(`run_conformance: ${message}\n${USAGE}`);
  process.exit(2);
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

// The failed checks of one run, from the checks.json the suite writes per scenario:
// "scenario: check id: error message".
function failedChecks(outputDir) {
  const lines = [];
  for (const scenario of fs.existsSync(outputDir) ? fs.readdirSync(outputDir).sort() : []) {
    const file = path.join(outputDir, scenario, 'checks.json');
    if (!fs.existsSync(file)) continue;
    for (const check of JSON.parse(fs.readFileSync(file, 'utf8'))) {
      if (check.status === 'FAILURE') {
        lines.push(`${scenario.replace(/-\d{4}-\d\d-\d\dT.*$/, '')}: ${check.id}: ${check.errorMessage ?? ''}`);
      }
    }
  }
  return lines;
}

// One run of the suite; resolves with { passed, failed, failures, details, exitCode, output }.
function runSuite(group, url, runNumber) {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-conformance-'));
  return new Promise((resolve) => {
    const child = group.spawn(`conformance-suite-run-${runNumber}`, CONFORMANCE_NODE, [
      CONFORMANCE_CLI, 'server', '--url', url, '-o', outputDir,
    ]);
    const timer = setTimeout(() => {
      child.output += `\nrun_conformance: run timed out after ${RUN_TIMEOUT_MS} ms; killed`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }, RUN_TIMEOUT_MS);
    child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const output = stripAnsi(child.output);
      const total = /Total: (\d+) passed, (\d+) failed/.exec(output);
      const failures = output.split('\n').filter((line) => /^\s*✗/.test(line)).map((l) => l.trim());
      const details = failedChecks(outputDir);
      fs.rmSync(outputDir, { recursive: true, force: true });
      resolve({
        details,
        passed: total ? Number(total[1]) : 0,
        failed: total ? Number(total[2]) : NaN,
        failures,
        exitCode: code ?? signal,
        output,
      });
    });
  });
}

async function main() {
  const [binary, mode, runsText = '1', ...rest] = process.argv.slice(2);
  if (!binary || !mode || rest.length > 0) usageError('wrong number of arguments');
  if (!['stdio', 'http', 'direct'].includes(mode)) usageError(`unknown mode '${mode}'`);
  if (!/^[1-9]\d*$/.test(runsText)) usageError(`RUNS must be a positive whole number, not '${runsText}'`);
  const runs = Number(runsText);
  for (const file of [CONFORMANCE_NODE, CONFORMANCE_CLI]) {
    if (!fs.existsSync(file)) {
      usageError(`${file} is missing: install the pinned suite with 'bash scripts/deps.sh'`);
    }
  }

  const group = new ProcessGroup();
  const stopAndExit = (code) => group.stopAll().finally(() => process.exit(code));
  process.on('SIGINT', () => stopAndExit(130));
  process.on('SIGTERM', () => stopAndExit(143));

  let url;
  try {
    if (mode === 'direct') {
      url = await startConformanceHttp(group);
    } else {
      const upstream = mode === 'stdio'
        ? conformanceStdioServer('conformance', { prefix: false })
        : { name: 'conformance', transport: 'http', url: await startConformanceHttp(group), prefix: false };
      url = (await startGateway(group, { servers: [upstream] }, { binary })).url;
    }
  } catch (error) {
    console.error(`run_conformance: could not start (${mode}): ${error.message}\n${group.report()}`);
    return stopAndExit(1);
  }

  console.log(`run_conformance: ${mode}, ${runs} run(s) against ${url}`);
  let failedRuns = 0;
  for (let run = 1; run <= runs; run += 1) {
    const result = await runSuite(group, url, run);
    const ok = result.exitCode === 0 && result.failed === 0 && result.passed >= EXPECTED_CHECKS;
    console.log(`run ${run}/${runs}: ${ok ? 'PASS' : 'FAIL'}: ${result.passed} passed, ` +
      `${Number.isNaN(result.failed) ? 'unknown' : result.failed} failed (exit ${result.exitCode})`);
    if (!ok) {
      failedRuns += 1;
      for (const line of result.failures) console.log(`  ${line}`);
      for (const line of result.details) console.log(`  FAILED ${line}`);
      if (result.passed < EXPECTED_CHECKS && result.failed === 0) {
        console.log(`  only ${result.passed} checks ran; expected ${EXPECTED_CHECKS}`);
      }
      if (result.details.length === 0) console.log(result.output.split('\n').slice(-100).join('\n'));
    }
  }
  console.log(`run_conformance: ${runs - failedRuns}/${runs} runs passed (${mode})`);
  if (failedRuns > 0) {
    const notTheSuite = (child) => !child.name.startsWith('conformance-suite-run-');
    console.log(group.report(notTheSuite).split('\n').slice(-200).join('\n'));
  }
  // The gateway is built with sanitizers: a report (also one at exit, e.g. a leak) fails the run.
  await group.stopAll();
  try {
    assertNoSanitizerReport(group);
  } catch (error) {
    console.log(`run_conformance: FAIL: ${error.message}`);
    process.exit(1);
  }
  process.exit(failedRuns === 0 ? 0 : 1);
}

main();
