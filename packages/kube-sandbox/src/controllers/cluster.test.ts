import { AddressPool } from './cluster';

describe('AddressPool', () => {
  const index = (ip: string) => {
    const [, , third, fourth] = ip.split('.').map(Number);
    return third * 254 + fourth - 1;
  };

  it('hands out consecutive addresses, reusing released ones first', () => {
    const pool = new AddressPool('127.42');
    const a = pool.allocate();
    const b = pool.allocate();
    expect(index(b)).toBe(index(a) + 1);
    pool.release(a);
    expect(pool.allocate()).toBe(a);
    expect(index(pool.allocate())).toBe(index(b) + 1);
  });

  it('after a collision, jumps past the run another sandbox on the same /16 holds', () => {
    for (let round = 0; round < 50; round++) {
      const pool = new AddressPool('127.42');
      const taken = pool.allocate();
      pool.release(taken);
      const elsewhere = pool.allocateElsewhere();
      expect(elsewhere).toMatch(/^127\.42\.\d+\.\d+$/);
      // Another sandbox starting at the same place holds its first 256 addresses or so.
      expect(index(elsewhere) - index(taken)).toBeGreaterThan(256);
    }
  });
});
