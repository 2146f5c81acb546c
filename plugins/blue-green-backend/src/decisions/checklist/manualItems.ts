import {
  CheckCategory,
  CheckStatus,
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { SignOff, SignOffs } from '../../database/SignOffStore';
import { BlueGreenConfig } from '../../config';

/** A manual item: a person looks and signs off. */
type ManualItem = {
  id: string;
  category: CheckCategory;
  title: string;
  /** What a sign-off states, shown next to the item. */
  meaning: string;
  required: boolean;
  phase: 'pre' | 'post';
};

export const MANUAL_ITEMS: ManualItem[] = [
  {
    id: 'smoke-test',
    category: 'application',
    title: 'Smoke test passed',
    meaning:
      'You ran the smoke tests against the idle color (its preview) and they passed.',
    required: true,
    phase: 'pre',
  },
  {
    id: 'critical-endpoints',
    category: 'application',
    title: 'Critical API endpoints tested',
    meaning:
      'You called the critical API endpoints on the idle color and they answered correctly.',
    required: true,
    phase: 'pre',
  },
  {
    id: 'db-migration',
    category: 'database',
    title: 'Database migration ran (expand phase)',
    meaning:
      'The new columns and tables exist, and the live version still works with them.',
    required: true,
    phase: 'pre',
  },
  {
    id: 'schema-compatible',
    category: 'database',
    title: 'Schema is backward compatible with the live version',
    meaning:
      'The live version reads and writes the new schema without errors, so a rollback stays safe.',
    required: true,
    phase: 'pre',
  },
  {
    id: 'backfill',
    category: 'database',
    title: 'Data backfill done',
    meaning: 'Existing rows have the data the new version expects.',
    required: false,
    phase: 'pre',
  },
  {
    id: 'alert-channels',
    category: 'monitoring',
    title: 'Alert channels work',
    meaning: 'A test alert reached the on-call channel of this service.',
    required: false,
    phase: 'pre',
  },
  {
    id: 'rollback-owner',
    category: 'monitoring',
    title: 'Rollback owner on standby',
    meaning:
      'Someone who can roll back watches this release until its post-deploy watch ends.',
    required: true,
    phase: 'pre',
  },
  {
    id: 'contract',
    category: 'database',
    title:
      'Contract phase done: old columns removed (rollback to the previous version is then blocked)',
    meaning:
      'The old columns are gone: the previous version can no longer run, so rollback is blocked from now on.',
    required: false,
    phase: 'post',
  },
];

/** The item whose sign-off blocks rollback: the database contract phase of expand/contract. */
export const CONTRACT_ITEM = 'contract';

/** Adds manual items with their sign-offs, and applies the config's per-item overrides. */
export function finishItems(
  phase: 'pre' | 'post',
  automatic: ChecklistItem[],
  signOffs: SignOffs,
  overrides: BlueGreenConfig['checks']['items'],
  skipped: Set<string>,
): ChecklistItem[] {
  const manual: ChecklistItem[] = MANUAL_ITEMS.filter(
    m => m.phase === phase,
  ).map(m => {
    const signOff = signOffs.get(m.id);
    return {
      id: m.id,
      category: m.category,
      title: m.title,
      kind: 'manual',
      required: m.required,
      status: signOff ? 'pass' : 'pending',
      message: m.meaning,
      signOff,
      evidence: signOff && {
        type: 'sign-off',
        detail: `${signOff.by} at ${signOff.at}`,
      },
    };
  });
  // A dependency check with no configured targets is a person's job.
  if (phase === 'pre' && !automatic.some(i => i.id === 'dependencies')) {
    const signOff = signOffs.get('dependencies');
    manual.push({
      id: 'dependencies',
      category: 'application',
      title: 'Dependencies (database, cache, external APIs) reachable',
      kind: 'manual',
      required: true,
      status: signOff ? 'pass' : 'pending',
      signOff,
      message:
        'You checked that the database, cache and external APIs answer from the idle color. Set blue-green.backstage.io/dependencies to URLs or host:port to check automatically.',
    });
  }
  // The entity's skip-checks annotation leaves out optional items only: a required item is the
  // platform's to relax (config), or a forced promote's to go past — never the entity author's.
  return [...automatic, ...manual]
    .map(item =>
      overrides[item.id]?.required === undefined
        ? item
        : { ...item, required: overrides[item.id]!.required! },
    )
    .filter(
      item =>
        overrides[item.id]?.enabled !== false &&
        !(skipped.has(item.id) && !item.required),
    );
}

/** The items skip-checks names that are required, and so stay in the checklist. */
export function unskippable(items: ChecklistItem[], skipped: Set<string>) {
  return items.filter(i => i.required && skipped.has(i.id)).map(i => i.id);
}

/** fail if a required item fails; else unknown/pending/warn if a required item is so; else pass. */
export function overallStatus(items: ChecklistItem[]): CheckStatus {
  const required = items.filter(i => i.required);
  for (const status of ['fail', 'unknown', 'pending', 'warn'] as const) {
    if (required.some(i => i.status === status)) return status;
  }
  return 'pass';
}

/** Why promote must wait: required items that do not pass, by name. */
export function blockingReasons(items: ChecklistItem[]): string[] {
  return items
    .filter(i => i.required && i.status !== 'pass')
    .map(
      i =>
        `${i.kind === 'manual' ? 'sign-off missing' : `check ${i.status}`}: ${
          i.title
        } (${i.id})`,
    );
}

/**
 * Why rollback must wait: once the live version's contract phase is signed off, the previous
 * version no longer matches the database schema.
 */
export function contractReasons(
  live: Color,
  version: string | undefined,
  contract: SignOff | undefined,
): string[] {
  if (!contract) return [];
  return [
    `the database contract phase of ${live} (${
      version ?? 'this version'
    }) was signed off by ${contract.by} at ${
      contract.at
    }: the previous version no longer matches the schema`,
  ];
}
