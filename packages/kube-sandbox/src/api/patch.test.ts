import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from './patch';
import { ApiError } from './errors';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'my-app:1.0.0',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 8080 }],
          },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
        volumes: [{ name: 'html', configMap: { name: 'x' } }],
      },
    },
  },
};

describe('strategic merge patch', () => {
  it('merges containers by name and env by name, as kubectl set image sends it', () => {
    const out = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            $setElementOrder: undefined,
            '$setElementOrder/containers': [
              { name: 'app' },
              { name: 'sidecar' },
            ],
            containers: [
              {
                name: 'app',
                image: 'my-app:1.2.0',
                env: [
                  { name: 'B', value: '3' },
                  { name: 'C', value: '4' },
                ],
              },
            ],
          },
        },
      },
    });
    const [app, sidecar] = out.spec.template.spec.containers;
    expect(app.image).toBe('my-app:1.2.0');
    expect(app.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    expect(app.ports).toEqual([{ containerPort: 8080 }]);
    expect(sidecar.image).toBe('busybox:1.36');
  });

  it('deletes keyed elements with $patch: delete and keys with null', () => {
    const out = applyStrategicMergePatch(deployment, {
      metadata: { labels: { app: null } },
      spec: {
        template: {
          spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] },
        },
      },
    });
    expect(out.metadata.labels).toEqual({});
    expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual([
      'app',
    ]);
  });

  it('replaces a list with $patch: replace and merges maps like a merge patch', () => {
    const out = applyStrategicMergePatch(
      {
        spec: {
          selector: { app: 'my-app', color: 'blue' },
          ports: [{ port: 80, targetPort: 8080 }],
        },
      },
      {
        spec: {
          selector: { color: 'green' },
          ports: [{ port: 80, targetPort: 9090 }, { port: 443 }],
        },
      },
    );
    expect(out.spec.selector).toEqual({ app: 'my-app', color: 'green' });
    expect(out.spec.ports).toEqual([
      { port: 80, targetPort: 9090 },
      { port: 443 },
    ]);
    const replaced = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            volumes: [{ $patch: 'replace' }, { name: 'data', emptyDir: {} }],
          },
        },
      },
    });
    expect(replaced.spec.template.spec.volumes).toEqual([
      { name: 'data', emptyDir: {} },
    ]);
  });

  it('merges conditions by type', () => {
    const out = applyStrategicMergePatch(
      {
        status: {
          conditions: [
            { type: 'Available', status: 'True' },
            { type: 'Progressing', status: 'True' },
          ],
        },
      },
      { status: { conditions: [{ type: 'Progressing', status: 'False' }] } },
    );
    expect(out.status.conditions).toEqual([
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'False' },
    ]);
  });
});

describe('merge patch and JSON patch', () => {
  it('replaces arrays wholesale in a merge patch', () => {
    const out = applyMergePatch(deployment, {
      spec: {
        template: {
          spec: { containers: [{ name: 'only', image: 'nginx:1.17' }] },
        },
      },
    });
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'only', image: 'nginx:1.17' },
    ]);
  });

  it('answers 422 with the exact body when a JSON patch test fails', () => {
    let error: ApiError | undefined;
    try {
      applyJsonPatch(deployment, [
        { op: 'test', path: '/metadata/name', value: 'other' },
      ]);
    } catch (e) {
      error = e as ApiError;
    }
    expect(error?.code).toBe(422);
    expect(error?.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  it('answers 400 when the JSON patch is not a list', () => {
    expect(() => applyJsonPatch(deployment, { op: 'add' })).toThrow(
      /cannot unmarshal object/,
    );
  });
});
