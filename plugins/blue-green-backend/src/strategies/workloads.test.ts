import { applyPatch } from 'fast-json-patch';
import { SWITCH_ID_ANNOTATION, switchIdOps } from './workloads';

describe('switchIdOps', () => {
  const apply = (object: any, id?: string) =>
    applyPatch(structuredClone(object), switchIdOps(object, id) as any)
      .newDocument;

  it('adds the switch id to existing annotations, replacing an older one', () => {
    const service = {
      metadata: {
        name: 'my-app',
        annotations: { team: 'checkout', [SWITCH_ID_ANNOTATION]: 'old' },
      },
    };
    expect(apply(service, 'new').metadata.annotations).toEqual({
      team: 'checkout',
      [SWITCH_ID_ANNOTATION]: 'new',
    });
  });

  it('creates the annotations of an object that has none', () => {
    expect(apply({ metadata: { name: 'my-app' } }, 'id-1').metadata).toEqual({
      name: 'my-app',
      annotations: { [SWITCH_ID_ANNOTATION]: 'id-1' },
    });
  });

  it('writes nothing without a switch id', () => {
    expect(switchIdOps({ metadata: { name: 'x' } }, undefined)).toEqual([]);
  });
});
