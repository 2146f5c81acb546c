import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { locationSpecToMetadataName } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalCatalogPublisher } from '../services/LocalCatalogPublisher';
import { createPublishLocalAction } from './publishLocal';

const catalogInfo = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec: { type: service, lifecycle: experimental, owner: team-checkout }
`;

describe('blue-green:publish:local', () => {
  const workspace = createMockDirectory();
  const published = createMockDirectory();
  const component = { kind: 'Component', metadata: { name: 'checkout' } };
  let catalog: ReturnType<typeof catalogServiceMock.mock>;
  let refreshed = false;

  beforeEach(() => {
    workspace.setContent({
      'catalog-info.yaml': catalogInfo,
      'k8s/service-checkout.yaml': 'kind: Service',
    });
    published.clear();
    refreshed = false;
    catalog = catalogServiceMock.mock({
      refreshEntity: jest.fn(async () => {
        refreshed = true;
      }),
      // The catalog holds the entity once the location was read again.
      getEntityByRef: jest.fn(async () =>
        refreshed ? component : undefined,
      ) as any,
    });
  });

  /** The catalog's Location entity for the config location reading the published directory. */
  const locationRef = () =>
    `location:default/${locationSpecToMetadataName({
      type: 'file',
      target: `${published.path}/*/catalog-info.yaml`,
    })}`;

  const run = (
    input: object,
    extra: object = {},
    options: { directory?: boolean; location?: boolean } = {},
  ) => {
    const { directory = true, location = true } = options;
    const publisher = LocalCatalogPublisher.fromConfig(
      new ConfigReader({
        catalog: {
          locations: [
            { type: 'url', target: 'https://example.com/catalog-info.yaml' },
            { type: 'file', target: '/elsewhere/*.yaml' },
            ...(location
              ? [
                  {
                    type: 'file',
                    target: `${published.path}/*/catalog-info.yaml`,
                  },
                ]
              : []),
          ],
        },
        ...(directory && {
          blueGreen: { scaffolder: { localDirectory: published.path } },
        }),
      }),
      { catalog },
    );
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: workspace.path,
      logger: mockServices.logger.mock() as any,
    });
    Object.assign(ctx, extra);
    return createPublishLocalAction({ publisher })
      .handler(ctx)
      .then(() => ctx);
  };

  it('copies the service where a file location reads it, has the catalog read it now, and waits for the entity', async () => {
    const ctx = await run({});
    const destination = join(published.path, 'checkout');
    await expect(
      readFile(join(destination, 'catalog-info.yaml'), 'utf8'),
    ).resolves.toBe(catalogInfo);
    await expect(
      readFile(join(destination, 'k8s/service-checkout.yaml'), 'utf8'),
    ).resolves.toBe('kind: Service');
    const credentials = await ctx.getInitiatorCredentials();
    expect(catalog.refreshEntity).toHaveBeenCalledWith(locationRef(), {
      credentials,
    });
    expect(catalog.getEntityByRef).toHaveBeenLastCalledWith(
      'component:default/checkout',
      { credentials },
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/checkout',
    );
    expect(ctx.output).toHaveBeenCalledWith('path', destination);
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoPath',
      join(destination, 'catalog-info.yaml'),
    );
  });

  it('refuses to overwrite a published service', async () => {
    published.setContent({ 'checkout/catalog-info.yaml': 'old' });
    await expect(run({})).rejects.toThrow(
      `${join(published.path, 'checkout')} already exists`,
    );
    await expect(
      readFile(join(published.path, 'checkout/catalog-info.yaml'), 'utf8'),
    ).resolves.toBe('old');
  });

  it('says which location to add when no catalog location reads the directory', async () => {
    await expect(
      run({ name: 'other' }, {}, { location: false }),
    ).rejects.toThrow(
      `no catalog location reads ${published.path}/other/catalog-info.yaml; add one to catalog.locations: { type: file, target: ${published.path}/*/catalog-info.yaml }`,
    );
  });

  it('needs the directory to be configured', async () => {
    await expect(run({}, {}, { directory: false })).rejects.toThrow(
      'blueGreen.scaffolder.localDirectory is not configured',
    );
  });

  it('fails when the catalog does not take the entity in time', async () => {
    catalog.getEntityByRef.mockResolvedValue(undefined);
    await expect(run({ timeoutSeconds: 1 })).rejects.toThrow('was written to');
  });

  it('a dry run writes nothing and registers nothing', async () => {
    const ctx = await run({ name: 'dry' }, { isDryRun: true });
    expect(catalog.refreshEntity).not.toHaveBeenCalled();
    await expect(
      readFile(join(published.path, 'dry/catalog-info.yaml')),
    ).rejects.toThrow('ENOENT');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/checkout',
    );
  });

  it('needs a catalog-info.yaml in the workspace', async () => {
    workspace.setContent({ 'README.md': 'x' });
    await expect(run({})).rejects.toThrow(
      'catalog-info.yaml is missing in sourcePath; run blue-green:render first',
    );
  });
});
