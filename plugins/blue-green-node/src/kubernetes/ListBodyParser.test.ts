import { ListBodyParser } from './ListBodyParser';

/** Feeds `body` in chunks of `size` bytes. */
function feed(
  parser: ListBodyParser<any>,
  body: string | Buffer,
  size = Infinity,
) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const step = Math.min(size, bytes.length || 1);
  for (let i = 0; i < bytes.length; i += step) {
    parser.push(bytes.subarray(i, i + step));
  }
  return parser.end();
}

const parse = (body: string | Buffer, size = Infinity) =>
  feed(new ListBodyParser(), body, size);

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

  it('reads runs of backslashes before quotes, cut anywhere', () => {
    const body = JSON.stringify({
      items: [
        { a: '\\', b: '\\"},{', c: '\\\\\\"]' },
        { a: '"\\"\\\\', b: '}' },
      ],
    });
    const bytes = Buffer.from(body, 'utf8');
    for (let cut = 0; cut < bytes.length; cut++) {
      for (const reuse of [undefined, new Map()]) {
        const parser = new ListBodyParser({ reuse });
        parser.push(bytes.subarray(0, cut));
        parser.push(bytes.subarray(cut));
        expect(parser.end()).toEqual(JSON.parse(body));
      }
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

  it('answers an item sent again byte for byte with the earlier object, unparsed, and parses the others', () => {
    const first = new ListBodyParser<any>({ reuse: new Map() });
    const before = feed(first, JSON.stringify(tricky), 7);
    expect(before).toEqual(JSON.parse(JSON.stringify(tricky)));
    expect(first.digests).toHaveLength(3);
    expect(new Set(first.digests).size).toBe(3);
    const reuse = new Map(first.digests!.map((d, i) => [d, before.items[i]]));

    // b changed; a is indented otherwise (the same object); c is as it was.
    const [a, , c] = tricky.items;
    const changed = { metadata: { name: 'b' }, spec: { replicas: 3 } };
    const body = `{"kind":"DeploymentList","items":[ ${JSON.stringify(
      a,
    )} ,${JSON.stringify(changed)},\n${JSON.stringify(c)}]}`;
    for (const size of [Infinity, 1, 5, 64]) {
      const again = new ListBodyParser<any>({ reuse });
      const list = feed(again, body, size);
      expect(list.items[0]).toBe(before.items[0]);
      expect(list.items[1]).not.toBe(before.items[1]);
      expect(list.items[1]).toEqual(changed);
      expect(list.items[2]).toBe(before.items[2]);
      expect(again.digests![0]).toBe(first.digests![0]);
      expect(again.digests![1]).not.toBe(first.digests![1]);
      expect(again.digests![2]).toBe(first.digests![2]);
    }
  });

  it('digests nothing without reuse', () => {
    const parser = new ListBodyParser();
    feed(parser, JSON.stringify(tricky));
    expect(parser.digests).toBeUndefined();
  });
});
