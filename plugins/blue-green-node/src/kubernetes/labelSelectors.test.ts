import {
  formatLabelSelector,
  labelSelectorOf,
  matchesLabels,
  parseLabelSelector,
} from './labelSelectors';

describe('label selectors', () => {
  const labels = { app: 'web', color: 'blue', tier: '' };
  it.each([
    ['app=web', true],
    ['app==web,color=blue', true],
    ['app!=web', false],
    ['color in (blue,green)', true],
    ['color in (green, blue)', true],
    ['color notin (blue)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['tier=', true],
    ['app.kubernetes.io/name', false],
    ['rollouts-pod-template-hash', false],
    ['app=web,color in (green)', false],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each([
    'app in blue',
    '=x',
    'a > 1',
    'app=my-app"} or vector(1) or up{app="',
    'app"=~".+",x=y',
    'app in (my-app|.*)',
    'app in (my-app)) or vector(1',
    'app=my-app\u2028} or vector(1)',
    'Bad_Prefix/app=x',
  ])('refuses %j with the API server message', selector => {
    expect(() => parseLabelSelector(selector)).toThrow(
      /^unable to parse requirement/,
    );
  });

  it('reads a workload selector and writes it as kubectl does', () => {
    const selector = labelSelectorOf({
      matchLabels: { app: 'my-app', color: 'blue' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'api'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'track', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
      ],
    });
    const text = formatLabelSelector(selector);
    expect(text).toBe(
      'app=my-app,color=blue,tier in (api,web),!canary,track,zone notin (b)',
    );
    expect(parseLabelSelector(text)).toEqual(
      selector.map(r =>
        'values' in r ? { ...r, values: [...r.values].sort() } : r,
      ),
    );
  });
});
