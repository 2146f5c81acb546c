import { textProblem } from './text';

describe('textProblem', () => {
  it('accepts plain text, tabs, line feeds and any script', () => {
    for (const text of [
      '',
      'release 1.2 — checked by Ana',
      'line one\nline two\tend',
      'отмена, 回滚, ロールバック, emoji 🚀',
    ]) {
      expect(textProblem(text, 100)).toBeUndefined();
    }
  });

  it('names the length limit', () => {
    expect(textProblem('x'.repeat(1001), 1000)).toBe(
      'must be at most 1,000 characters (got 1,001)',
    );
  });

  it.each([
    ['NUL', 'a\u0000b', 'U+0000 at position 1'],
    ['carriage return', 'a\rb', 'U+000D'],
    ['escape', '\u001b[31mred', 'U+001B'],
    ['DEL', 'a\u007f', 'U+007F'],
    ['C1 control', '\u0085', 'U+0085'],
    ['right-to-left override', 'invoice\u202Efdp.exe', 'U+202E'],
    ['left-to-right isolate', '\u2066x', 'U+2066'],
    ['right-to-left mark', '\u200F', 'U+200F'],
  ])('refuses a %s', (_what, text, where) => {
    expect(textProblem(text, 100)).toContain(where);
  });

  it('refuses a lone surrogate, keeps a pair', () => {
    expect(textProblem('a\ud800b', 100)).toContain('lone surrogate');
    expect(textProblem('a\udc00', 100)).toContain('lone surrogate');
    expect(textProblem('\ud83d\ude80', 100)).toBeUndefined();
  });
});
