import { stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  TEXT_LIMITS,
  type SwitchRequest,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { z } from 'zod/v3';
import { BlueGreenClient } from '../services/BlueGreenClient';
import { boundedText, parseInput, parseTargetRef } from './util';

const switchInputSchema = (zod: typeof z) =>
  zod
    .object({
      entityRef: boundedText(zod, TEXT_LIMITS.entityRef)
        .refine(value => value.length > 0, 'must not be empty')
        .describe('The blue/green entity, e.g. component:default/my-app'),
      reason: boundedText(zod, TEXT_LIMITS.reason)
        .optional()
        .describe('Recorded in the history; default names the task'),
      expectLive: zod
        .enum(['blue', 'green'])
        .optional()
        .describe(
          'Refuse unless this color is live now, so a pipeline never switches the wrong way after someone else did',
        ),
      force: zod
        .boolean()
        .optional()
        .describe(
          'Switch although checks fail (needs the blue-green.force permission)',
        ),
      steps: zod
        .array(zod.number().int().min(1).max(100))
        .optional()
        .describe(
          'Traffic shares to go through, e.g. [10, 50, 100] (strategies that shift in steps, such as istio)',
        ),
      stepIntervalSeconds: zod
        .number()
        .min(0)
        .max(3600)
        .optional()
        .describe('Pause between steps'),
      full: zod
        .boolean()
        .optional()
        .describe(
          'Skip the remaining pauses and analysis (strategies that have them, such as argo-rollouts: promote --full)',
        ),
    })
    .strict();

const switchOutputSchema = (zod: typeof z) =>
  zod.object({
    from: zod.string().optional().describe('Color live before'),
    to: zod.string().optional().describe('Color live after'),
    live: zod.string().describe('Live color after the action'),
    historyId: zod.string().optional().describe('History entry of the switch'),
    verified: zod
      .boolean()
      .optional()
      .describe('Whether the cluster showed traffic on the new color'),
    allowed: zod
      .boolean()
      .describe('Whether the backend allows the action now'),
    reasons: zod.array(zod.string()).describe('Why it is refused, if it is'),
  });

/**
 * `blue-green:promote` and `blue-green:rollback`: the Blue/Green tab's buttons for pipelines.
 * The backend decides, on behalf of the user running the task (permissions, checks, the live
 * state it was decided on); a dry run only reports that decision.
 */
export function createSwitchAction(
  action: 'promote' | 'rollback',
  options: { client: BlueGreenClient },
) {
  const { client } = options;
  return createTemplateAction({
    id: `blue-green:${action}`,
    description:
      action === 'promote'
        ? 'Promotes the idle color of a blue/green entity: traffic moves to it, through the Blue/Green backend and with the permissions of the user running the task'
        : 'Rolls a blue/green entity back to its previous color, through the Blue/Green backend and with the permissions of the user running the task',
    examples: [
      {
        description: `${action} my-app when blue is live`,
        example: [
          'steps:',
          `  - id: ${action}`,
          `    action: blue-green:${action}`,
          '    input:',
          '      entityRef: component:default/my-app',
          `      expectLive: ${action === 'promote' ? 'blue' : 'green'}`,
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: { input: switchInputSchema, output: switchOutputSchema },
    async handler(ctx) {
      const input = parseInput(switchInputSchema(z), ctx.input);
      const ref = parseTargetRef(input.entityRef);
      const entityRef = stringifyEntityRef(ref);
      const credentials = await ctx.getInitiatorCredentials();

      const status = await client.getStatus(ref, credentials);
      const decision = status[action];
      ctx.logger.info(
        `${entityRef}: ${status.live} is live; ${action} ${
          decision.allowed
            ? `to ${decision.target} is allowed`
            : `is refused: ${decision.reasons.join('; ')}`
        }`,
      );
      if (input.expectLive && status.live !== input.expectLive) {
        throw new ConflictError(
          `${entityRef}: expected ${input.expectLive} to be live, but ${status.live} is; nothing was switched`,
        );
      }
      // What the entity's strategy cannot do is refused here, dry run or not.
      const { capabilities } = status;
      const unsupported = [
        input.steps && !capabilities.steppedShift && 'steps',
        input.full && !capabilities.fullPromote && 'full',
      ].filter(Boolean);
      if (unsupported.length > 0) {
        throw new InputError(
          `${entityRef} uses the ${
            status.strategy
          } strategy, which does not support ${unsupported.join(
            ' or ',
          )}; nothing was switched`,
        );
      }
      ctx.output('allowed', decision.allowed);
      ctx.output('reasons', decision.reasons);
      if (ctx.isDryRun) {
        ctx.output('live', status.live);
        ctx.logger.info(`dry run: ${action} not sent`);
        return;
      }

      const body: SwitchRequest = {
        revision: status.revision,
        reason:
          input.reason ??
          `scaffolder task ${ctx.task.id}${
            ctx.templateInfo?.entityRef
              ? ` (${ctx.templateInfo.entityRef})`
              : ''
          }`,
        force: input.force,
        steps: input.steps,
        stepIntervalSeconds: input.stepIntervalSeconds,
        full: input.full,
      };
      const response = await client.switch(ref, action, body, credentials);
      const { entry, verification } = response;
      ctx.logger.info(
        `${entityRef}: ${action} ${entry.outcome}, ${entry.from ?? '?'} → ${
          entry.to ?? '?'
        }; ${verification.message}`,
      );
      ctx.output('from', entry.from);
      ctx.output('to', entry.to);
      ctx.output('live', response.status.live);
      ctx.output('historyId', entry.id);
      ctx.output('verified', verification.verified);
    },
  });
}
