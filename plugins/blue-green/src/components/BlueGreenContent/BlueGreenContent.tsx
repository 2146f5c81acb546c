import {
  Content,
  InfoCard,
  StructuredMetadataTable,
  WarningPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { resolveBlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import Grid from '@material-ui/core/Grid';

/**
 * The Blue/Green tab of an entity page.
 *
 * @public
 */
export const BlueGreenContent = () => {
  const { entity } = useEntity();
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

  const { target } = result;
  return (
    <Content>
      <Grid container spacing={3}>
        <Grid item xs={12} md={6}>
          <InfoCard title="Blue/Green">
            <StructuredMetadataTable
              metadata={{
                strategy: target.strategy,
                cluster: target.cluster ?? 'default cluster',
                namespace: target.namespace,
                service: target.service,
                ...(target.deployments && {
                  'blue deployment': target.deployments.blue,
                  'green deployment': target.deployments.green,
                }),
                ...(target.rollout && { rollout: target.rollout }),
                ...(target.previewService && {
                  'preview service': target.previewService,
                }),
                ...(target.virtualService && {
                  'virtual service': target.virtualService,
                }),
              }}
            />
          </InfoCard>
        </Grid>
      </Grid>
    </Content>
  );
};
