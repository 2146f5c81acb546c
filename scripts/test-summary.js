// Prints the test command's last line from Jest's and Playwright's JSON reports:
//   "N passed, N failed" (checks such as type-check, lint and the adopter test count as one test each).
// Usage: node scripts/test-summary.js jest.json playwright.json [failed step names...]
const fs = require('node:fs');

const [jestFile, playwrightFile, ...failedSteps] = process.argv.slice(2);
const readJson = file => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

let passed = 0;
let failed = 0;
const missing = [];

const jest = readJson(jestFile);
if (jest) {
  passed += jest.numPassedTests;
  failed += jest.numFailedTests + jest.numRuntimeErrorTestSuites;
} else {
  missing.push('jest');
}

const playwright = readJson(playwrightFile);
if (playwright) {
  passed += playwright.stats.expected + playwright.stats.flaky;
  failed += playwright.stats.unexpected;
} else {
  missing.push('playwright');
}

const checks = [
  'type-check',
  'api reports',
  'publish check',
  'lint',
  'format',
  'adopter test',
];
for (const check of checks) {
  if (failedSteps.includes(check)) failed += 1;
  else passed += 1;
}
// A step that failed without a report (e.g. the app build) still fails the run.
const otherFailures = failedSteps.filter(
  s =>
    !checks.includes(s) &&
    s !== 'unit and integration tests' &&
    s !== 'browser tests',
);
failed += otherFailures.length + missing.length;

if (failedSteps.length > 0) {
  console.log(`failed steps: ${failedSteps.join(', ')}`);
}
if (missing.length > 0) {
  console.log(`no report from: ${missing.join(', ')}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || failedSteps.length > 0 ? 1 : 0);
