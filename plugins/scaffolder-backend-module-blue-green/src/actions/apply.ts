import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import { ManifestApplier } from '../services/ManifestApplier';
import { readManifests } from '../services/manifests';
import { parseInput, workspacePath } from './util';

const applyInputSchema = (zod: typeof z) =>
  zod
    .object({
      path: zod
        .string()
        .max(500)
        .default('k8s')
        .describe(
          'Workspace-relative YAML file, or directory of .yaml/.yml files (e.g. the manifestsPath output of blue-green:render)',
        ),
      cluster: zod
        .string()
        .max(253)
        .regex(
          /^[\x21-\x7e]+( [\x21-\x7e]+)*$/,
          'must be a cluster name from kubernetes.clusterLocatorMethods',
        )
        .optional()
        .describe(
          'Cluster name from kubernetes.clusterLocatorMethods; may be left out when only one is configured',
        ),
      namespace: zod
        .string()
        .max(63)
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name')
        .default('default')
        .describe('Namespace of objects whose manifest names none'),
      createNamespace: zod
        .boolean()
        .default(true)
        .describe('Create missing namespaces'),
      ifExists: zod
        .enum(['fail', 'skip', 'replace'])
        .default('fail')
        .describe(
          'An object that already exists (and was not created by this task): fail, skip it, or replace it',
        ),
    })
    .strict();

const applyOutputSchema = (zod: typeof z) =>
  zod.object({
    cluster: zod.string().describe('The cluster written to'),
    objects: zod
      .array(
        zod.object({
          kind: zod.string(),
          namespace: zod.string().optional(),
          name: zod.string(),
          result: zod.string(),
        }),
      )
      .describe('What happened to each object'),
  });

/**
 * `blue-green:apply`: creates the manifests in a cluster from `kubernetes.clusterLocatorMethods`
 * (the clusters the Kubernetes and Blue/Green plugins use). A dry run asks the API server to
 * validate every object (`dryRun=All`) and stores nothing. Every object must name the entity it
 * belongs to (`blue-green:render` does), go to a namespace one of the user's teams may use, and
 * leave other entities' objects and traffic alone.
 */
export function createApplyAction(options: { applier: ManifestApplier }) {
  return createTemplateAction({
    id: 'blue-green:apply',
    description:
      'Applies Kubernetes manifests from the workspace to a cluster configured in kubernetes.clusterLocatorMethods',
    examples: [
      {
        description: 'Apply what blue-green:render wrote',
        example: [
          'steps:',
          '  - id: apply',
          '    action: blue-green:apply',
          '    input:',
          '      path: ${{ steps.render.output.manifestsPath }}',
          '      cluster: sandbox',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: { input: applyInputSchema, output: applyOutputSchema },
    async handler(ctx) {
      const input = parseInput(applyInputSchema(z), ctx.input);
      const objects = await readManifests(
        workspacePath(ctx.workspacePath, input.path, 'path'),
      );
      const { cluster, results } = await options.applier.apply(objects, {
        cluster: input.cluster,
        defaultNamespace: input.namespace,
        createNamespaces: input.createNamespace,
        ifExists: input.ifExists,
        dryRun: Boolean(ctx.isDryRun),
        taskId: ctx.task.id,
        logger: ctx.logger,
        credentials: await ctx.getInitiatorCredentials(),
      });
      ctx.output('cluster', cluster);
      ctx.output('objects', results);
    },
  });
}
