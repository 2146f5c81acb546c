import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  COLORS,
  EntityStatus,
  TEXT_LIMITS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { entityRefOf as refOf } from './entities/EntityResolver';
import { StatusService } from './observation/StatusService';
import { SwitchService } from './operations/SwitchService';
import { entityActionInput, parse, switchActionInput } from './requests';

function summary(status: EntityStatus) {
  return {
    entityRef: status.entityRef,
    strategy: status.strategy,
    live: status.live,
    revision: status.revision,
    colors: COLORS.map(color => {
      const c = status.colors[color];
      return {
        color,
        role: c.role,
        weight: c.weight,
        version: c.version ?? '',
        ready: c.replicas.ready,
        desired: c.replicas.desired,
      };
    }),
    promote: {
      allowed: status.promote.allowed,
      reasons: status.promote.reasons,
    },
    rollback: {
      allowed: status.rollback.allowed,
      reasons: status.rollback.reasons,
    },
    problems: status.problems,
  };
}

/**
 * Registers the plugin's actions (exposed over MCP by the mcp-actions backend). Input is parsed
 * with the HTTP API's own schemas (same lengths, same characters refused) and permissions are
 * enforced inside the service, exactly as for the HTTP API.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  services: {
    status: Pick<StatusService, 'status'>;
    switches: Pick<SwitchService, 'switch'>;
  },
) {
  const decision = (z: any) =>
    z.object({ allowed: z.boolean(), reasons: z.array(z.string()) });
  const statusSchema = (z: any) =>
    z.object({
      entityRef: z.string(),
      strategy: z.string(),
      live: z.string().describe('blue, green, split (Istio mid-shift) or none'),
      revision: z
        .string()
        .describe(
          'Pass to promote/rollback to refuse the switch if the state changed',
        ),
      colors: z.array(
        z.object({
          color: z.string(),
          role: z.string(),
          weight: z.number(),
          version: z.string(),
          ready: z.number(),
          desired: z.number(),
        }),
      ),
      promote: decision(z),
      rollback: decision(z),
      problems: z.array(z.string()),
    });

  actionsRegistry.register({
    name: 'get-status',
    title: 'Get blue/green status',
    description:
      'Which color (blue or green) of a catalog entity takes live traffic, the version and readiness of each color, and whether promote or rollback may run now.',
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .max(TEXT_LIMITS.entityRef)
            .describe('Entity reference, e.g. component:default/my-app'),
        }),
      output: statusSchema,
    },
    action: async ({ input, credentials }) => {
      const { entityRef } = parse(entityActionInput, input, 'input');
      return {
        output: summary(
          await services.status.status(refOf(entityRef), { credentials }),
        ),
      };
    },
  });

  for (const action of ['promote', 'rollback'] as const) {
    actionsRegistry.register({
      name: action,
      title:
        action === 'promote'
          ? 'Promote the idle color'
          : 'Roll back to the previous color',
      description:
        action === 'promote'
          ? 'Switches live traffic of a catalog entity to its idle color (the new version), after checking it is ready. Refused with the reasons when it is not.'
          : 'Switches live traffic of a catalog entity back to the other color.',
      attributes: { destructive: true, idempotent: false },
      schema: {
        input: z =>
          z.object({
            entityRef: z
              .string()
              .max(TEXT_LIMITS.entityRef)
              .describe('Entity reference, e.g. component:default/my-app'),
            revision: z
              .string()
              .max(TEXT_LIMITS.revision)
              .optional()
              .describe(
                'The revision from get-status; refuses the switch if the state changed since',
              ),
            reason: z
              .string()
              .max(TEXT_LIMITS.reason)
              .optional()
              .describe('Why; kept in the history'),
          }),
        output: z =>
          z.object({
            outcome: z.string(),
            from: z.string().optional(),
            to: z.string().optional(),
            verified: z.boolean(),
            message: z.string(),
            status: statusSchema(z),
          }),
      },
      action: async ({ input, credentials }) => {
        const { entityRef, ...request } = parse(
          switchActionInput,
          input,
          'input',
        );
        const result = await services.switches.switch(
          refOf(entityRef),
          action,
          request,
          { credentials },
        );
        return {
          output: {
            outcome: result.entry.outcome,
            from: result.entry.from,
            to: result.entry.to,
            verified: result.verification.verified,
            message: result.verification.message,
            status: summary(result.status),
          },
        };
      },
    });
  }
}
