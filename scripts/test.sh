#!/usr/bin/env bash
# Sets up everything the tests need (npm packages, Debian's Chromium) and runs every test:
# the unit tests (npm test, Node) and the browser tests (npm run test:e2e, Playwright + Chromium).
# Ends with one line "N passed, N failed" over both, and fails if any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1
mkdir -p test-reports
rm -f test-reports/unit.json test-reports/e2e.json

npm test -- --reporter=default --reporter=json --outputFile.json=test-reports/unit.json
unit=$?
PLAYWRIGHT_JSON_OUTPUT_NAME=test-reports/e2e.json npm run test:e2e -- --reporter=list,json
e2e=$?

node -e '
const fs = require("fs");
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
const unit = read("test-reports/unit.json");
const e2e = read("test-reports/e2e.json");
let passed = 0, failed = 0;
if (unit) { passed += unit.numPassedTests; failed += unit.numFailedTests; } else failed += 1;
if (e2e) { passed += e2e.stats.expected + e2e.stats.flaky; failed += e2e.stats.unexpected; } else failed += 1;
console.log(`unit and browser tests: ${passed} passed, ${failed} failed`);
'
[ $unit -eq 0 ] && [ $e2e -eq 0 ]
