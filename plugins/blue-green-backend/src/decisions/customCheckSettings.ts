import { CriterionAction } from './criteriaSettings';

// The settings of custom checks alone, so that reading the config needs none of their evaluation.

/** Where a custom check is judged: the pre- or post-deploy checklist, or as a rollback criterion. */
export type CustomPhase = 'pre' | 'post' | 'rollback';
export const CUSTOM_PHASES: readonly CustomPhase[] = [
  'pre',
  'post',
  'rollback',
];

/**
 * An extra PromQL check from app-config (`blueGreen.checks.custom.<id>`), e.g. a business metric
 * such as the payment success rate: it passes while its value for the color is within min..max.
 */
export type CustomCheck = {
  id: string;
  title: string;
  /** A PromQL template (same placeholders as `blueGreen.prometheus.queries`), one value per color. */
  query: string;
  min?: number;
  max?: number;
  phases: CustomPhase[];
  /** Range of the query's rate(), as a PromQL duration. */
  window: string;
  /** Whether promote waits for it in the pre-deploy checklist. */
  required: boolean;
  /** As a rollback criterion: what it does when it fires, and how long it must fail. */
  action: Exclude<CriterionAction, 'off'>;
  forMs: number;
  /** Applies to every entity; otherwise only to entities that name it in their annotation. */
  allEntities: boolean;
};
