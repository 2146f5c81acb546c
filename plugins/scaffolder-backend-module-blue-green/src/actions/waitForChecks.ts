import { stringifyEntityRef } from '@backstage/catalog-model';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type {
  Checklist,
  CheckStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { z } from 'zod/v3';
import { BlueGreenClient } from '../services/BlueGreenClient';
import { parseInput, parseTargetRef, sleep } from './util';

const waitInputSchema = (zod: typeof z) =>
  zod
    .object({
      entityRef: zod
        .string()
        .min(1)
        .describe('The blue/green entity, e.g. component:default/my-app'),
      phase: zod
        .enum(['pre', 'post'])
        .default('pre')
        .describe(
          'pre: the idle color before a promote; post: the live color after it',
        ),
      timeoutSeconds: zod
        .number()
        .int()
        .min(1)
        .max(3600)
        .default(300)
        .describe('Fail when the checklist has not passed by then'),
      intervalSeconds: zod
        .number()
        .min(1)
        .max(300)
        .default(5)
        .describe('Pause between two reads of the checklist'),
      allowWarnings: zod
        .boolean()
        .default(false)
        .describe('Accept an overall status of warn as passing'),
    })
    .strict();

const waitOutputSchema = (zod: typeof z) =>
  zod.object({
    status: zod.string().describe('Overall status of the last read'),
    color: zod.string().describe('The color checked'),
    version: zod.string().optional().describe("That color's version"),
    notPassing: zod
      .array(zod.string())
      .describe('Required items that did not pass, as "id: status"'),
  });

/** Required items that hold the checklist back, e.g. `pods-ready: pending (1/2 ready)`. */
function notPassing(checklist: Checklist): string[] {
  return checklist.items
    .filter(item => item.required && item.status !== 'pass')
    .map(
      item =>
        `${item.id}: ${item.status}${
          item.observed ? ` (${item.observed})` : ''
        }`,
    );
}

/**
 * `blue-green:wait-for-checks`: waits until the pre-deploy (or post-deploy) checklist of a
 * blue/green entity passes, as the user running the task sees it. A dry run reads it once.
 */
export function createWaitForChecksAction(options: {
  client: BlueGreenClient;
}) {
  const { client } = options;
  return createTemplateAction({
    id: 'blue-green:wait-for-checks',
    description:
      "Waits until a blue/green entity's pre-deploy (or post-deploy) checklist passes, reading it from the Blue/Green backend on behalf of the user running the task",
    examples: [
      {
        description: 'Wait up to 10 minutes for green, then promote',
        example: [
          'steps:',
          '  - id: checks',
          '    action: blue-green:wait-for-checks',
          '    input:',
          '      entityRef: component:default/my-app',
          '      timeoutSeconds: 600',
          '  - id: promote',
          '    action: blue-green:promote',
          '    input:',
          '      entityRef: component:default/my-app',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: { input: waitInputSchema, output: waitOutputSchema },
    async handler(ctx) {
      const input = parseInput(waitInputSchema(z), ctx.input);
      const ref = parseTargetRef(input.entityRef);
      const entityRef = stringifyEntityRef(ref);
      const credentials = await ctx.getInitiatorCredentials();
      const accepted: CheckStatus[] = input.allowWarnings
        ? ['pass', 'warn']
        : ['pass'];
      const deadline = Date.now() + input.timeoutSeconds * 1000;

      let last = '';
      for (;;) {
        const checklist = await client.getChecklist(
          ref,
          input.phase,
          credentials,
        );
        const pending = notPassing(checklist);
        const summary = `${entityRef}: ${input.phase}-deploy checklist of ${
          checklist.color
        } is ${checklist.status}${
          pending.length ? ` — ${pending.join(', ')}` : ''
        }`;
        if (summary !== last) {
          ctx.logger.info(summary);
          for (const warning of checklist.warnings) ctx.logger.warn(warning);
          last = summary;
        }
        const done = accepted.includes(checklist.status);
        if (done || ctx.isDryRun) {
          ctx.output('status', checklist.status);
          ctx.output('color', checklist.color);
          ctx.output('version', checklist.version);
          ctx.output('notPassing', pending);
          return;
        }
        if (Date.now() + input.intervalSeconds * 1000 > deadline) {
          throw new Error(
            `${summary}; gave up after ${input.timeoutSeconds} s${
              checklist.status === 'warn'
                ? ' (set allowWarnings to accept warn)'
                : ''
            }`,
          );
        }
        await sleep(input.intervalSeconds * 1000, ctx.signal);
      }
    },
  });
}
