#!/usr/bin/env bash
# Sets up everything the tests need (npm packages, Debian's Chromium) and runs every test:
# the unit tests (npm test, Node), the browser tests (npm run test:e2e, Playwright + Chromium) and
# the README's SLURM job array on a one-node cluster (npm run test:slurm; it installs slurm-wlm and
# munge when missing, and is skipped, saying why, where SLURM cannot run).
# Ends with one line "N passed, N failed" over all three, and fails if any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1
mkdir -p test-reports
rm -f test-reports/unit.json test-reports/e2e.json test-reports/slurm.json

npm test -- --reporter=default --reporter=json --outputFile.json=test-reports/unit.json
unit=$?
PLAYWRIGHT_JSON_OUTPUT_NAME=test-reports/e2e.json npm run test:e2e -- --reporter=list,json
e2e=$?
npm run test:slurm -- --reporter=default --reporter=json --outputFile.json=test-reports/slurm.json
slurm=$?

UNIT_EXIT=$unit E2E_EXIT=$e2e SLURM_EXIT=$slurm node -e '
const fs = require("fs");
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
const unit = read("test-reports/unit.json");
const e2e = read("test-reports/e2e.json");
const slurm = read("test-reports/slurm.json");
let passed = 0, failed = 0, note = "";
if (unit) { passed += unit.numPassedTests; failed += unit.numFailedTests; } else failed += 1;
if (e2e) { passed += e2e.stats.expected + e2e.stats.flaky; failed += e2e.stats.unexpected; } else failed += 1;
if (slurm) {
  passed += slurm.numPassedTests;
  failed += slurm.numFailedTests;
  const skipped = slurm.testResults.flatMap((f) => f.assertionResults).find((t) => t.status !== "passed" && t.status !== "failed");
  if (skipped) note = `SLURM tests ${skipped.ancestorTitles.join(" ")}`;
} else failed += 1;
// A runner that failed without a failed test (a server that would not start, a crash) still counts as one failure.
for (const [exit, report] of [["UNIT_EXIT", unit], ["E2E_EXIT", e2e], ["SLURM_EXIT", slurm]]) {
  const counted = report ? (report.numFailedTests ?? report.stats?.unexpected ?? 0) : 1;
  if (process.env[exit] !== "0" && counted === 0) failed += 1;
}
if (note) console.log(note);
console.log(`tests: ${passed} passed, ${failed} failed`);
'
[ $unit -eq 0 ] && [ $e2e -eq 0 ] && [ $slurm -eq 0 ]
