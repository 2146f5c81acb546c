import { stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  TEXT_LIMITS,
  type DeployRequest,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { z } from 'zod/v3';
import { BlueGreenClient } from '../services/BlueGreenClient';
import { boundedText, parseInput, parseTargetRef } from './util';

const deployInputSchema = (zod: typeof z) =>
  zod
    .object({
      entityRef: boundedText(zod, TEXT_LIMITS.entityRef)
        .refine(value => value.length > 0, 'must not be empty')
        .describe('The blue/green entity, e.g. component:default/my-app'),
      image: zod
        .string()
        .min(1)
        .max(500)
        .describe('The image to run, e.g. registry.example.com/my-app:1.2.0'),
      container: zod
        .string()
        .max(63)
        .optional()
        .describe("The container to set it on; default: the pod's only one"),
      version: zod
        .string()
        .max(63)
        .optional()
        .describe(
          "The version it is (the pods' version label); default: the image's tag",
        ),
      reason: boundedText(zod, TEXT_LIMITS.reason)
        .optional()
        .describe('Recorded in the history; default names the task'),
      expectIdle: zod
        .enum(['blue', 'green'])
        .optional()
        .describe(
          'Refuse unless this color is the idle one now, so a pipeline never deploys where it did not mean to',
        ),
      force: zod
        .boolean()
        .optional()
        .describe(
          'Deploy although the idle color is the way back of a running post-promote watch (needs the blue-green.force permission)',
        ),
    })
    .strict();

const deployOutputSchema = (zod: typeof z) =>
  zod.object({
    color: zod.string().optional().describe('The color deployed to'),
    version: zod.string().optional().describe('The version deployed'),
    historyId: zod.string().optional().describe('History entry of the deploy'),
    allowed: zod.boolean().describe('Whether the backend allows a deploy now'),
    reasons: zod.array(zod.string()).describe('Why it is refused, if it is'),
  });

/**
 * `blue-green:deploy`: puts a new image on the idle color of a blue/green entity — the first step
 * of a release, before `blue-green:wait-for-checks` and `blue-green:promote`. The backend decides
 * and writes, on behalf of the user running the task; a dry run only reports its decision.
 */
export function createDeployAction(options: { client: BlueGreenClient }) {
  const { client } = options;
  return createTemplateAction({
    id: 'blue-green:deploy',
    description:
      'Deploys a new image to the idle color of a blue/green entity (what kubectl set image, or kubectl argo rollouts set image, would do), through the Blue/Green backend and with the permissions of the user running the task',
    examples: [
      {
        description: 'Deploy my-app 1.2.0 to green while blue is live',
        example: [
          'steps:',
          '  - id: deploy',
          '    action: blue-green:deploy',
          '    input:',
          '      entityRef: component:default/my-app',
          '      image: registry.example.com/my-app:1.2.0',
          '      expectIdle: green',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: { input: deployInputSchema, output: deployOutputSchema },
    async handler(ctx) {
      const input = parseInput(deployInputSchema(z), ctx.input);
      const ref = parseTargetRef(input.entityRef);
      const entityRef = stringifyEntityRef(ref);
      const credentials = await ctx.getInitiatorCredentials();

      const status = await client.getStatus(ref, credentials);
      const decision = status.deploy;
      if (!decision) {
        throw new InputError(
          `${entityRef} uses the ${status.strategy} strategy, which cannot deploy a new version; nothing was deployed`,
        );
      }
      ctx.logger.info(
        `${entityRef}: ${status.live} is live; deploy ${
          decision.allowed
            ? `to ${decision.target} is allowed`
            : `is refused: ${decision.reasons.join('; ')}`
        }`,
      );
      if (input.expectIdle && decision.target !== input.expectIdle) {
        throw new ConflictError(
          `${entityRef}: expected ${input.expectIdle} to be idle, but ${status.live} is live; nothing was deployed`,
        );
      }
      ctx.output('allowed', decision.allowed);
      ctx.output('reasons', decision.reasons);
      if (ctx.isDryRun) {
        ctx.logger.info(`dry run: deploy of ${input.image} not sent`);
        return;
      }

      const body: DeployRequest = {
        image: input.image,
        container: input.container,
        version: input.version,
        revision: status.revision,
        reason:
          input.reason ??
          `scaffolder task ${ctx.task.id}${
            ctx.templateInfo?.entityRef
              ? ` (${ctx.templateInfo.entityRef})`
              : ''
          }`,
        force: input.force,
      };
      const { entry } = await client.deploy(ref, body, credentials);
      ctx.logger.info(
        `${entityRef}: deploy ${entry.outcome}, ${input.image} on ${entry.to}`,
      );
      ctx.output('color', entry.to);
      ctx.output('version', entry.details?.version as string | undefined);
      ctx.output('historyId', entry.id);
    },
  });
}
