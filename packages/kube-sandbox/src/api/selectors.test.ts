import { parseFieldSelector, matchesFields } from './selectors';

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
