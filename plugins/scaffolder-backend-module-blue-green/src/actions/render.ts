import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  BLUE_GREEN_STRATEGIES,
  normalizeEntityRef,
  TEXT_LIMITS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod/v3';
import { manifestFileName, renderService, toYaml } from '../manifests/render';
import { MANIFEST_STRATEGIES } from '../manifests/strategies';
import { TaskOwnership } from '../services/TaskOwnership';
import { boundedText, parseInput, workspacePath } from './util';

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

/** An entity ref (`group:default/team-checkout`; kind defaults to `defaultKind`). */
const entityRef = (zod: typeof z, defaultKind: string) =>
  boundedText(zod, TEXT_LIMITS.entityRef).refine(
    value => normalizeEntityRef(value, { defaultKind }) !== undefined,
    `must be an entity ref like ${defaultKind}:default/name`,
  );

/** A URL path segment of `.` or `..`, percent-encoded or not. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/** Input of `blue-green:render`; also what the template's form collects. */
export const renderInputSchema = (zod: typeof z) =>
  zod
    .object({
      name: zod
        .string()
        .max(50)
        .regex(
          /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
          'must be lower-case letters, digits and "-", starting with a letter',
        )
        .describe(
          'Service name: the entity name and the base name of every object (at most 50 characters, so `-preview` and `-success-rate` still fit)',
        ),
      namespace: zod
        .string()
        .max(63)
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name')
        .default('default')
        .describe('Kubernetes namespace'),
      strategy: zod
        .enum(BLUE_GREEN_STRATEGIES)
        .describe('How traffic is switched between blue and green'),
      owner: entityRef(zod, 'group').describe(
        'Owner entity ref, e.g. group:default/team-checkout: one of the teams of the user who runs the task',
      ),
      description: boundedText(zod, 500).optional(),
      system: entityRef(zod, 'system').optional().describe('System entity ref'),
      lifecycle: zod
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
          'must be a lifecycle such as experimental or production',
        )
        .default('experimental'),
      cluster: zod
        .string()
        .max(253)
        .regex(
          /^[\x21-\x7e]+( [\x21-\x7e]+)*$/,
          'must be a cluster name from kubernetes.clusterLocatorMethods',
        )
        .optional()
        .describe(
          'Cluster name from kubernetes.clusterLocatorMethods, written as backstage.io/kubernetes-cluster',
        ),
      image: zod
        .string()
        .min(1)
        .max(500)
        .regex(/^[^\s]+$/, 'must be an image reference without spaces')
        .describe('Container image of blue (live at first)'),
      greenImage: zod
        .string()
        .max(500)
        .regex(/^[^\s]+$/, 'must be an image reference without spaces')
        .optional()
        .describe('Container image of green (idle at first); default: image'),
      port: zod
        .number()
        .int()
        .min(1)
        .max(65535)
        .default(8080)
        .describe('Container port'),
      servicePort: zod
        .number()
        .int()
        .min(1)
        .max(65535)
        .default(80)
        .describe('Service port'),
      replicas: zod
        .number()
        .int()
        .min(1)
        .max(100)
        .default(2)
        .describe('Replicas of each color'),
      healthPath: zod
        .string()
        .max(200)
        .regex(
          /^\/[A-Za-z0-9\-._~/%]*$/,
          "must be a URL path starting with '/'",
        )
        .refine(
          path => !DOT_SEGMENT.test(path),
          "must not have '.' or '..' segments",
        )
        .default('/health')
        .describe(
          'Path answering 200 when a pod is healthy (probes, checklist)',
        ),
      resources: zod
        .object({
          requests: zod.object({
            cpu: zod.string().regex(QUANTITY),
            memory: zod.string().regex(QUANTITY),
          }),
          limits: zod.object({
            cpu: zod.string().regex(QUANTITY),
            memory: zod.string().regex(QUANTITY),
          }),
        })
        .default({
          requests: { cpu: '250m', memory: '256Mi' },
          limits: { cpu: '500m', memory: '512Mi' },
        })
        .describe('Requests and limits of the container'),
      drain: zod
        .object({
          preStopSleepSeconds: zod.number().int().min(0).max(600).default(30),
          terminationGracePeriodSeconds: zod
            .number()
            .int()
            .min(1)
            .max(3600)
            .default(60),
        })
        .default({})
        .refine(
          d => d.preStopSleepSeconds < d.terminationGracePeriodSeconds,
          'preStopSleepSeconds must be shorter than terminationGracePeriodSeconds',
        )
        .describe(
          'Connection draining: a preStop sleep, then up to the grace period for open requests to finish',
        ),
      analysis: zod
        .boolean()
        .default(false)
        .describe(
          'Add the success-rate AnalysisTemplate as pre- and post-promotion analysis (strategies that render analysis: argo-rollouts)',
        ),
      prometheusAddress: zod
        .string()
        .max(500)
        .url()
        .default('http://prometheus.monitoring:9090')
        .describe(
          'Argo Rollouts analysis: Prometheus the AnalysisTemplate queries',
        ),
      successRate: zod
        .number()
        .min(0)
        .max(1)
        .default(0.95)
        .describe('Argo Rollouts analysis: share of 2xx responses required'),
      targetPath: zod
        .string()
        .max(500)
        .default('.')
        .describe(
          'Workspace directory to write catalog-info.yaml and k8s/ into',
        ),
    })
    .strict();

const renderOutputSchema = (zod: typeof z) =>
  zod.object({
    manifestsPath: zod
      .string()
      .describe(
        'Workspace-relative directory of the manifests (input of blue-green:apply)',
      ),
    catalogInfoPath: zod
      .string()
      .describe('Workspace-relative path of catalog-info.yaml'),
    entityRef: zod.string().describe('Ref of the entity in catalog-info.yaml'),
    objects: zod.array(zod.string()).describe('Kind/name of each object'),
  });

/**
 * `blue-green:render`: writes the manifests of a new blue/green service for the chosen strategy
 * (`k8s/`) and its `catalog-info.yaml` into the workspace.
 */
export function createRenderAction(options: { ownership: TaskOwnership }) {
  return createTemplateAction({
    id: 'blue-green:render',
    description:
      'Renders the Kubernetes manifests of a blue/green service for one strategy (service-selector, argo-rollouts or istio) and its catalog-info.yaml with the Kubernetes and Blue/Green annotations',
    examples: [
      {
        description: 'A service switched by Service selector',
        example: [
          'steps:',
          '  - id: render',
          '    action: blue-green:render',
          '    input:',
          '      name: payments',
          '      owner: group:default/team-checkout',
          '      strategy: service-selector',
          '      image: my-app:1.0.0',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: { input: renderInputSchema, output: renderOutputSchema },
    async handler(ctx) {
      const input = parseInput(renderInputSchema(z), ctx.input);
      const { targetPath, analysis, prometheusAddress, successRate, ...spec } =
        input;
      // Only for a team of the user's, in a namespace that team may use.
      const credentials = await ctx.getInitiatorCredentials();
      await options.ownership.checkOwner(credentials, spec.owner, {
        cluster: spec.cluster,
        namespace: spec.namespace,
      });
      const { rendersAnalysis } = MANIFEST_STRATEGIES[spec.strategy];
      if (analysis && !rendersAnalysis) {
        ctx.logger.warn(
          `analysis applies to ${Object.values(MANIFEST_STRATEGIES)
            .filter(s => s.rendersAnalysis)
            .map(s => s.strategy)
            .join(', ')} only; ignored for ${spec.strategy}`,
        );
      }
      const rendered = renderService({
        ...spec,
        ...(analysis &&
          rendersAnalysis && {
            analysis: { prometheusAddress, successRate },
          }),
      });

      // A name another team's service has already: its objects would be bound to that entity.
      await options.ownership.checkEntities(credentials, [
        { label: `name "${spec.name}"`, entityRef: rendered.entityRef },
      ]);

      const root = workspacePath(ctx.workspacePath, targetPath, 'targetPath');
      const manifestsDir = join(root, 'k8s');
      await mkdir(manifestsDir, { recursive: true });
      for (const object of rendered.objects) {
        await writeFile(
          join(manifestsDir, manifestFileName(object)),
          toYaml(
            [object],
            `${object.kind} of ${spec.name} (blue/green strategy ${spec.strategy}), rendered by blue-green:render`,
          ),
        );
      }
      const catalogInfo = join(root, 'catalog-info.yaml');
      await writeFile(catalogInfo, toYaml([rendered.entity]));

      const objects = rendered.objects.map(o => `${o.kind}/${o.metadata.name}`);
      ctx.logger.info(
        `Rendered ${spec.strategy} manifests for ${spec.name}: ${objects.join(
          ', ',
        )}`,
      );
      const rel = (p: string) =>
        relative(ctx.workspacePath, p).split('\\').join('/') || '.';
      ctx.output('manifestsPath', rel(manifestsDir));
      ctx.output('catalogInfoPath', rel(catalogInfo));
      ctx.output('entityRef', rendered.entityRef);
      ctx.output('objects', objects);
    },
  });
}
