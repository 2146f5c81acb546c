export interface Config {
  blueGreen?: {
    /** Configuration of the Blue/Green scaffolder actions. */
    scaffolder?: {
      /**
       * Directory `blue-green:publish:local` copies each new service to (`<directory>/<name>/`).
       * Relative paths are resolved from the backend's working directory, like the catalog's file
       * locations. A catalog location `{ type: file, target: <directory>/*\/catalog-info.yaml }`
       * must read it.
       */
      localDirectory?: string;
    };
  };
}
