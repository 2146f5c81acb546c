import { blueGreenPlugin } from './plugin';

describe('blue-green', () => {
  it('should export plugin', () => {
    expect(blueGreenPlugin).toBeDefined();
  });
});
