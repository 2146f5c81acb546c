import {
  matchesLabels,
  parseLabelSelector,
  parseFieldSelector,
  matchesFields,
} from './selectors';

describe('label selectors', () => {
  const labels = { app: 'web', color: 'blue', tier: '' };
  it.each([
    ['app=web', true],
    ['app==web,color=blue', true],
    ['app!=web', false],
    ['color in (blue,green)', true],
    ['color notin (blue)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['tier=', true],
    ['app=web,color in (green)', false],
  ])('%s → %s', (sel, expected) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(expected);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('app in blue')).toThrow(
      /unable to parse requirement/,
    );
    expect(() => parseLabelSelector('=x')).toThrow();
  });
});

describe('field selectors', () => {
  it('matches supported fields and rejects unknown ones with 400', () => {
    const reqs = parseFieldSelector('metadata.name=a,status.phase!=Failed', [
      'metadata.name',
      'status.phase',
    ]);
    expect(
      matchesFields(reqs, {
        metadata: { name: 'a' },
        status: { phase: 'Running' },
      }),
    ).toBe(true);
    expect(() => parseFieldSelector('foo.bar=1', ['metadata.name'])).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });
});
