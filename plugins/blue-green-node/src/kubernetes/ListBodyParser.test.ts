import { ListBodyParser } from './ListBodyParser';

/** Feeds `body` in chunks of `size` bytes. */
function parse(body: string | Buffer, size = Infinity) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const parser = new ListBodyParser();
  const step = Math.min(size, bytes.length || 1);
  for (let i = 0; i < bytes.length; i += step) {
    parser.push(bytes.subarray(i, i + step));
  }
  return parser.end();
}

const tricky = {
  kind: 'DeploymentList',
  apiVersion: 'apps/v1',
  metadata: { resourceVersion: '42', continue: '' },
  items: [
    {
      metadata: {
        name: 'a',
        annotations: {
          // Structural characters and escapes inside strings are not structure.
          note: 'braces } { ] [ , and "quotes" and \\ and \\" and \u00e9\u4e2d\ud83d\ude00',
          items: '"items": [',
        },
        labels: { app: 'a' },
      },
      spec: { replicas: 2, list: [[1, 2], [], [{}]], empty: {}, none: null },
    },
    { metadata: { name: 'b' }, spec: { replicas: 0 } },
    { metadata: { name: 'c' }, status: { conditions: [{ type: 'Ready' }] } },
  ],
};

describe('ListBodyParser', () => {
  it.each([
    ['compact', JSON.stringify(tricky)],
    ['indented', JSON.stringify(tricky, null, 2)],
    [
      'members after items',
      JSON.stringify({
        items: tricky.items,
        metadata: tricky.metadata,
        kind: 'List',
      }),
    ],
  ])(
    'parses a %s list like JSON.parse, fed whole or one byte at a time',
    (_, body) => {
      const expected = JSON.parse(body);
      for (const size of [Infinity, 1, 2, 3, 7, 64]) {
        const list = parse(body, size);
        expect(list).toEqual(expected);
        expect(Object.keys(list).sort()).toEqual(Object.keys(expected).sort());
      }
    },
  );

  it('splits a multi-byte character across chunks', () => {
    const body = JSON.stringify({
      items: [{ name: '\u4e2d\ud83d\ude00\u00e9' }],
    });
    const bytes = Buffer.from(body, 'utf8');
    for (let cut = 0; cut < bytes.length; cut++) {
      const parser = new ListBodyParser();
      parser.push(bytes.subarray(0, cut));
      parser.push(bytes.subarray(cut));
      expect(parser.end()).toEqual(JSON.parse(body));
    }
  });

  it.each([
    ['{"kind":"List","items":[]}', { kind: 'List', items: [] }],
    ['{"kind":"List","items":null}', { kind: 'List', items: [] }],
    ['{"kind":"List"}', { kind: 'List', items: [] }],
    ['  {  }  ', { items: [] }],
  ])('answers no items for %s', (body, expected) => {
    expect(parse(body, 1)).toEqual(expected);
  });

  it.each([
    ['a truncated body', JSON.stringify(tricky).slice(0, 120)],
    ['an empty body', ''],
    ['an array', '[{"a":1}]'],
    ['two objects', '{"items":[]}{"items":[]}'],
    ['a broken item', '{"items":[{"a":1},{"a":}]}'],
  ])('refuses %s', (_, body) => {
    expect(() => parse(body, 5)).toThrow(SyntaxError);
  });
});
