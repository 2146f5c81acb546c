import { ChecklistItem } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  blockingReasons,
  contractReasons,
  finishItems,
  overallStatus,
} from './manualItems';

const auto = (
  id: string,
  status: ChecklistItem['status'],
  required = true,
): ChecklistItem => ({
  id,
  category: 'infrastructure',
  title: id,
  kind: 'auto',
  required,
  status,
});

describe('overallStatus', () => {
  it('takes the worst required status: fail, unknown, pending, warn, else pass', () => {
    expect(overallStatus([auto('a', 'pass'), auto('b', 'warn')])).toBe('warn');
    expect(overallStatus([auto('a', 'pending'), auto('b', 'unknown')])).toBe(
      'unknown',
    );
    expect(overallStatus([auto('a', 'fail'), auto('b', 'unknown')])).toBe(
      'fail',
    );
    expect(overallStatus([auto('a', 'fail', false)])).toBe('pass');
  });
});

describe('blockingReasons', () => {
  it('names what holds promote back, sign-offs apart from checks', () => {
    const items = finishItems(
      'pre',
      [auto('pods-ready', 'fail')],
      new Map(),
      {},
      new Set(),
    );
    const reasons = blockingReasons(items);
    expect(reasons[0]).toBe('check fail: pods-ready (pods-ready)');
    expect(reasons).toContain(
      'sign-off missing: Smoke test passed (smoke-test)',
    );
  });
});

describe('finishItems', () => {
  it('adds the post-deploy contract item, signed off or not', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const items = finishItems(
      'post',
      [],
      new Map([['contract', { by: 'user:default/bob', at }]]),
      {},
      new Set(),
    );
    expect(items).toEqual([
      expect.objectContaining({
        id: 'contract',
        status: 'pass',
        evidence: { type: 'sign-off', detail: `user:default/bob at ${at}` },
      }),
    ]);
  });
});

describe('contractReasons', () => {
  it('blocks rollback once the live version contract phase is signed off', () => {
    expect(contractReasons('green', 'v2', undefined)).toEqual([]);
    expect(
      contractReasons('green', 'v2', { by: 'user:default/bob', at: 'T' }),
    ).toEqual([
      'the database contract phase of green (v2) was signed off by user:default/bob at T: the previous version no longer matches the schema',
    ]);
  });
});
