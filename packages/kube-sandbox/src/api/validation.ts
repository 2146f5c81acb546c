/**
 * The validation a user most often trips over (422 Invalid with field causes), for the
 * kinds the sandbox runs: names, replicas, selector vs template labels, containers, ports.
 */
import { FieldError, invalid } from './errors';
import { ResourceType } from './resources';
import { fromLabelSelectorObject, matchesLabels } from './selectors';
import { KubeObject } from './store';

function podSpecErrors(spec: any, prefix: string, errors: FieldError[]) {
  const containers: any[] = spec?.containers ?? [];
  if (!containers.length) {
    errors.push({
      type: 'FieldValueRequired',
      field: `${prefix}.containers`,
      message: 'Required value',
    });
  }
  containers.forEach((c, i) => {
    if (!c?.name)
      errors.push({
        type: 'FieldValueRequired',
        field: `${prefix}.containers[${i}].name`,
        message: 'Required value',
      });
    if (!c?.image)
      errors.push({
        type: 'FieldValueRequired',
        field: `${prefix}.containers[${i}].image`,
        message: 'Required value',
      });
    (c?.ports ?? []).forEach((p: any, j: number) => {
      const n = p?.containerPort;
      if (typeof n !== 'number' || n < 1 || n > 65535) {
        errors.push({
          type: 'FieldValueInvalid',
          field: `${prefix}.containers[${i}].ports[${j}].containerPort`,
          message: `Invalid value: ${JSON.stringify(
            n,
          )}: must be between 1 and 65535, inclusive`,
        });
      }
    });
  });
}

export function validateObject(
  _op: string,
  type: ResourceType,
  obj: KubeObject,
) {
  const errors: FieldError[] = [];
  const spec = obj.spec;
  switch (type.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'Rollout': {
      if (
        spec?.replicas !== undefined &&
        (typeof spec.replicas !== 'number' || spec.replicas < 0)
      ) {
        errors.push({
          type: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(
            spec.replicas,
          )}: must be greater than or equal to 0`,
        });
      }
      if (type.kind === 'Rollout' && spec?.workloadRef) break;
      if (!spec?.selector) {
        errors.push({
          type: 'FieldValueRequired',
          field: 'spec.selector',
          message: 'Required value',
        });
      } else {
        const sel = fromLabelSelectorObject(spec.selector);
        if (!sel.length)
          errors.push({
            type: 'FieldValueInvalid',
            field: 'spec.selector',
            message: 'Invalid value: empty selector is invalid for deployment',
          });
        else if (!matchesLabels(sel, spec.template?.metadata?.labels)) {
          errors.push({
            type: 'FieldValueInvalid',
            field: 'spec.template.metadata.labels',
            message: `Invalid value: ${JSON.stringify(
              spec.template?.metadata?.labels ?? {},
            )}: \`selector\` does not match template \`labels\``,
          });
        }
      }
      podSpecErrors(spec?.template?.spec, 'spec.template.spec', errors);
      break;
    }
    case 'Pod':
      podSpecErrors(spec, 'spec', errors);
      break;
    case 'Service':
      (spec?.ports ?? []).forEach((p: any, i: number) => {
        if (typeof p?.port !== 'number' || p.port < 1 || p.port > 65535) {
          errors.push({
            type: 'FieldValueInvalid',
            field: `spec.ports[${i}].port`,
            message: `Invalid value: ${JSON.stringify(
              p?.port,
            )}: must be between 1 and 65535, inclusive`,
          });
        }
      });
      if (
        !(spec?.ports ?? []).length &&
        spec?.type !== 'ExternalName' &&
        spec?.clusterIP !== 'None'
      ) {
        errors.push({
          type: 'FieldValueRequired',
          field: 'spec.ports',
          message: 'Required value',
        });
      }
      break;
    default:
  }
  if (errors.length)
    throw invalid(type.kind, type.group, obj.metadata.name, errors);
}
