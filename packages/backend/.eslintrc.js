module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // expectStatus (src/__testUtils__/harness.ts) asserts, and prints the body when it fails;
    // fast-check's fc.assert fails the test with the counterexample.
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'expectStatus', 'fc.assert'] },
    ],
  },
});
