import {
  BackstageCredentials,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  CatalogService,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { minimatch } from 'minimatch';
import { access, cp } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Config key of the directory this module publishes new services to. */
export const LOCAL_DIRECTORY_CONFIG = 'blueGreen.scaffolder.localDirectory';

const CATALOG_FILE = 'catalog-info.yaml';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Publishes a rendered service without a Git host: copies it to `<localDirectory>/<name>/`, where
 * a `file` location of the catalog's config (`<localDirectory>/*\/catalog-info.yaml`) reads it, and
 * has the catalog read that location now instead of at its next processing round (minutes).
 */
export class LocalCatalogPublisher {
  readonly #directory?: string;
  readonly #fileLocations: string[];
  readonly #catalog: CatalogService;

  static fromConfig(config: Config, deps: { catalog: CatalogService }) {
    const directory = config.getOptionalString(LOCAL_DIRECTORY_CONFIG);
    // Resolved as the catalog resolves them (ConfigLocationEntityProvider): from the working directory.
    const fileLocations = (
      config.getOptionalConfigArray('catalog.locations') ?? []
    )
      .filter(location => location.getString('type') === 'file')
      .map(location => resolve(location.getString('target')));
    return new LocalCatalogPublisher(
      directory ? resolve(directory) : undefined,
      fileLocations,
      deps.catalog,
    );
  }

  private constructor(
    directory: string | undefined,
    fileLocations: string[],
    catalog: CatalogService,
  ) {
    this.#directory = directory;
    this.#fileLocations = fileLocations;
    this.#catalog = catalog;
  }

  /** Where a service named `name` would be published, and the Location entity that reads it. */
  async plan(name: string) {
    if (!this.#directory) {
      throw new InputError(
        `${LOCAL_DIRECTORY_CONFIG} is not configured: set it to a directory, and add a catalog location of type file with target <directory>/*/${CATALOG_FILE}`,
      );
    }
    const destination = resolveSafeChildPath(this.#directory, name);
    if (destination === this.#directory || name.includes('/')) {
      throw new InputError(`"${name}" is not a directory name`);
    }
    const catalogInfo = join(destination, CATALOG_FILE);
    // The config location's entity, by the name the catalog gives it. It is looked up in config
    // rather than in the catalog: while its glob matches no file, the catalog holds no entity for it.
    const target = this.#fileLocations.find(glob =>
      minimatch(catalogInfo, glob),
    );
    if (!target) {
      throw new NotFoundError(
        `no catalog location reads ${catalogInfo}; add one to catalog.locations: { type: file, target: ${
          this.#directory
        }/*/${CATALOG_FILE} }`,
      );
    }
    const location = locationSpecToLocationEntity({
      location: { type: 'file', target },
    });
    if (await exists(destination)) {
      throw new ConflictError(
        `${destination} already exists; choose another name or remove it`,
      );
    }
    return {
      destination,
      catalogInfo,
      locationRef: stringifyEntityRef(location),
    };
  }

  /** Copies `source` and waits until the catalog holds `entityRef`. */
  async publish(options: {
    source: string;
    destination: string;
    locationRef: string;
    entityRef: string;
    credentials: BackstageCredentials;
    timeoutMs: number;
    signal?: AbortSignal;
  }): Promise<void> {
    const { credentials } = options;
    await cp(options.source, options.destination, {
      recursive: true,
      errorOnExist: true,
      force: false,
    });
    await this.#catalog.refreshEntity(options.locationRef, { credentials });
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (
        await this.#catalog.getEntityByRef(options.entityRef, { credentials })
      ) {
        return;
      }
      if (Date.now() > deadline || options.signal?.aborted) {
        throw new Error(
          `${options.entityRef} was written to ${
            options.destination
          }, but the catalog has not read it within ${
            options.timeoutMs / 1000
          } s; check that the rules of ${options.locationRef} allow its kind`,
        );
      }
      await new Promise(r => setTimeout(r, 500));
    }
  }
}
