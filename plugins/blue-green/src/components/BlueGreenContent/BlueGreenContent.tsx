import {
  Content,
  MissingAnnotationEmptyState,
  WarningPanel,
} from '@backstage/core-components';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  BLUE_GREEN_ANNOTATIONS,
  isBlueGreenEntity,
  resolveBlueGreenTarget,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { useMemo } from 'react';
import { BlueGreenTab } from './BlueGreenTab';

/**
 * The Blue/Green tab of an entity page: both environments, the checklist, promote and rollback,
 * the post-deploy watch, metrics, history and diagnostics.
 *
 * @public
 */
export const BlueGreenContent = () => {
  const { entity } = useEntity();
  const entityRef = useMemo(() => getCompoundEntityRef(entity), [entity]);

  if (!isBlueGreenEntity(entity)) {
    return (
      <Content>
        <MissingAnnotationEmptyState
          annotation={BLUE_GREEN_ANNOTATIONS.strategy}
        />
      </Content>
    );
  }
  const result = resolveBlueGreenTarget(entity);
  if (!result.ok) {
    return (
      <Content>
        <WarningPanel
          defaultExpanded
          title="This entity is not set up for blue/green switches"
          message="Fix these annotations in its catalog-info.yaml:"
        >
          <ul>
            {result.problems.map(problem => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </WarningPanel>
      </Content>
    );
  }
  return (
    <Content>
      <BlueGreenTab entityRef={entityRef} />
    </Content>
  );
};
