import { CardTab, TabbedCard } from '@backstage/core-components';
import { ReactElement, ReactNode } from 'react';
import { DetailsTab } from '../StatusHeader/summary';

const LABELS: Record<DetailsTab, string> = {
  environments: 'Environments',
  checklist: 'Checklist',
  watch: 'Watch',
  metrics: 'Metrics',
  history: 'History',
  diagnostics: 'Diagnostics',
};

/**
 * The details below the header, one Backstage card tab each; only the open one is rendered, so
 * the tab stays short and each answer of the header is one click from its evidence.
 */
export const ReleaseDetails = ({
  tab,
  onChange,
  panels,
}: {
  tab: DetailsTab;
  onChange: (tab: DetailsTab) => void;
  /** The panels to offer, in order; a missing one has no tab. */
  panels: Partial<Record<DetailsTab, ReactNode>>;
}) => {
  const tabs = (Object.keys(LABELS) as DetailsTab[]).filter(
    t => panels[t] !== undefined,
  );
  const value = tabs.includes(tab) ? tab : tabs[0];
  return (
    <div id="blue-green-details">
      <TabbedCard
        value={value}
        onChange={(_e, next) => onChange(next as DetailsTab)}
      >
        {
          tabs.map(t => (
            <CardTab key={t} value={t} label={LABELS[t]}>
              {t === value ? panels[t] : <span />}
            </CardTab>
          )) as ReactElement[]
        }
      </TabbedCard>
    </div>
  );
};
