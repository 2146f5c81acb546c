import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod/v3';
import { LocalCatalogPublisher } from '../services/LocalCatalogPublisher';
import { parseInput, workspacePath } from './util';

const publishInputSchema = (zod: typeof z) =>
  zod
    .object({
      sourcePath: zod
        .string()
        .max(500)
        .default('.')
        .describe('Workspace directory to publish; it holds catalog-info.yaml'),
      name: zod
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a directory name')
        .optional()
        .describe(
          "Directory name under the configured directory; default: the entity's name",
        ),
      timeoutSeconds: zod
        .number()
        .int()
        .min(1)
        .max(600)
        .default(60)
        .describe('How long to wait for the catalog to hold the entity'),
    })
    .strict();

const publishOutputSchema = (zod: typeof z) =>
  zod.object({
    entityRef: zod.string().describe('The registered entity'),
    path: zod.string().describe('Directory the service was published to'),
    catalogInfoPath: zod
      .string()
      .describe('Absolute path of the published catalog-info.yaml'),
  });

/** The entity the catalog page should open: the first Component, else the first entity. */
async function entityRefOf(catalogInfo: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(catalogInfo, 'utf8');
  } catch {
    throw new InputError(
      'catalog-info.yaml is missing in sourcePath; run blue-green:render first',
    );
  }
  const entities = parseAllDocuments(text)
    .map(d => d.toJS())
    .filter(e => e?.kind && e?.metadata?.name);
  const entity = entities.find(e => e.kind === 'Component') ?? entities[0];
  if (!entity) {
    throw new InputError('catalog-info.yaml holds no entity');
  }
  try {
    return stringifyEntityRef(entity);
  } catch (error) {
    throw new InputError(
      `catalog-info.yaml holds an entity without a valid kind, namespace and name: ${error}`,
    );
  }
}

/**
 * `blue-green:publish:local`: the demo's stand-in for `publish:github` + `catalog:register`.
 * Copies the rendered service to a directory on the backend's machine
 * (`blueGreen.scaffolder.localDirectory`) that a `file` location of the catalog reads, and has
 * the catalog read it right away.
 */
export function createPublishLocalAction(options: {
  publisher: LocalCatalogPublisher;
}) {
  const { publisher } = options;
  return createTemplateAction({
    id: 'blue-green:publish:local',
    description:
      'Publishes the workspace to a local directory read by a catalog file location (blueGreen.scaffolder.localDirectory) and waits until the catalog holds the entity: registration without a Git host',
    examples: [
      {
        description: 'Publish what blue-green:render wrote',
        example: [
          'steps:',
          '  - id: register',
          '    action: blue-green:publish:local',
          '    input:',
          '      name: ${{ parameters.name }}',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: { input: publishInputSchema, output: publishOutputSchema },
    async handler(ctx) {
      const input = parseInput(publishInputSchema(z), ctx.input);
      const source = workspacePath(
        ctx.workspacePath,
        input.sourcePath,
        'sourcePath',
      );
      const entityRef = await entityRefOf(join(source, 'catalog-info.yaml'));
      const name = input.name ?? entityRef.split('/').pop()!;
      const credentials = await ctx.getInitiatorCredentials();

      const plan = await publisher.plan(name);
      ctx.output('entityRef', entityRef);
      ctx.output('path', plan.destination);
      ctx.output('catalogInfoPath', plan.catalogInfo);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `dry run: would publish to ${plan.destination}, read by ${plan.locationRef}`,
        );
        return;
      }
      await publisher.publish({
        source,
        destination: plan.destination,
        locationRef: plan.locationRef,
        entityRef,
        credentials,
        timeoutMs: input.timeoutSeconds * 1000,
        signal: ctx.signal,
      });
      ctx.logger.info(
        `Published ${entityRef} to ${plan.destination}; the catalog read it through ${plan.locationRef}`,
      );
    },
  });
}
