import { parseQuantity, podRequests } from './quantity';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['0.5', 0.5],
    ['2', 2],
    ['256Mi', 256 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['1.5k', 1500],
    ['1e3', 1000],
    ['.5', 0.5],
  ])('reads %s', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it.each(['', 'abc', '1Xi', '1 Gi'])('rejects %j', text => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('podRequests', () => {
  it('adds up containers and falls back to limits where requests are missing', () => {
    expect(
      podRequests({
        spec: {
          containers: [
            { resources: { requests: { cpu: '250m', memory: '256Mi' } } },
            { resources: { limits: { cpu: '100m', memory: '64Mi' } } },
            {},
          ],
        },
      }),
    ).toEqual({ cpuCores: 0.35, memoryBytes: 320 * 2 ** 20 });
  });
});
