// Wires a fresh Backstage app the way an adopter would: by doing what the plugin READMEs' install
// sections say, read from the READMEs themselves, so a README that drifts from the packages fails
// the adopter test.
//
// Usage: node scripts/adopter/follow-readmes.js <app dir> <tarball dir>
//
// What is done with each part of a README:
// - `yarn --cwd <dir> add <packages>`: the packages are added to <dir>/package.json, the
//   Blue/Green ones as the tarballs `yarn pack` made (they are not on a registry), the others at
//   the version of this repository's lockfile (the Backstage release in backstage.json); one
//   `yarn install` afterwards instead of one per command.
// - a block titled `packages/backend/src/index.ts`: its `backend.add(...)` statements go before
//   `backend.start()`, and a `// replaces <statement>` line removes that statement;
// - a block titled `app-config.yaml`: merged into the app's app-config.yaml;
// - a block titled `catalog-info.yaml`: the example entity, registered as a catalog location;
// - a block titled `packages/app/src/...`: legacy frontend system wiring, written under
//   packages/app/src/legacy-readme/ (this app uses the new frontend system; tsc checks them);
// - any other titled block: written as that file.
// - `kubectl ... annotate ...`: the binding of the example's cluster objects to their entity; kept
//   in <app dir>/cluster-steps.json, which the adopter test's set-up runs with the real kubectl
//   against the sandbox cluster it starts.
// Other `kubectl` commands (the RBAC manifests, the token) are left out: the sandbox has no RBAC,
// and the RBAC suite checks the shipped roles against the plugin's requests.
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const [appDir, tarballDir] = process.argv.slice(2).map(p => path.resolve(p));
const repoRoot = path.resolve(__dirname, '../..');
const READMES = [
  'plugins/blue-green-backend/README.md',
  'plugins/blue-green/README.md',
  'plugins/scaffolder-backend-module-blue-green/README.md',
];
/** The signed-in user of the adopter's app (guest sign-in), who owns the example entity. */
const ADOPTER_USER = 'user:development/guest';

const log = message => console.log(`[readmes] ${message}`);

function blocksOf(markdown) {
  const blocks = [];
  const fence = /^( *)```(\w*)(?: title="([^"]+)")?\n([\s\S]*?)^\1```$/gm;
  for (const match of markdown.matchAll(fence)) {
    const [, indent, lang, title, body] = match;
    const text = body
      .split('\n')
      .map(line => line.slice(indent.length))
      .join('\n');
    blocks.push({ lang, title, text });
  }
  return blocks;
}

function tarballOf(name) {
  const file = path.join(
    tarballDir,
    `${name.split('/')[1].replace(/^plugin-/, '')}.tgz`,
  );
  if (!fs.existsSync(file)) throw new Error(`no tarball for ${name}: ${file}`);
  return `file:${file}`;
}

function releaseRange(name) {
  const manifest = require.resolve(`${name}/package.json`, {
    paths: [repoRoot],
  });
  return `^${JSON.parse(fs.readFileSync(manifest, 'utf8')).version}`;
}

function addPackages(dir, names) {
  const file = path.join(appDir, dir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const name of names) {
    const range = name.startsWith('@bluegreen-backstage/')
      ? tarballOf(name)
      : releaseRange(name);
    manifest.dependencies[name] = range;
    log(`${dir}: add ${name}@${range}`);
  }
  manifest.dependencies = Object.fromEntries(
    Object.entries(manifest.dependencies).sort(([a], [b]) =>
      a.localeCompare(b),
    ),
  );
  fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

function statementsOf(text) {
  // `backend.add(...)` statements, possibly over several lines.
  const statements = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('//') && !current) continue;
    current += `${line}\n`;
    if (line.trim().endsWith(';')) {
      statements.push(current.trim());
      current = '';
    }
  }
  return statements;
}

const squash = text => text.replace(/\s+/g, '');

function editBackendIndex(text) {
  const file = path.join(appDir, 'packages/backend/src/index.ts');
  let source = fs.readFileSync(file, 'utf8');
  for (const line of text.split('\n')) {
    const replaced = /^\/\/ replaces (.+)$/.exec(line.trim())?.[1];
    if (!replaced) continue;
    // The same statement however the app formats it: create-app breaks long ones over lines,
    // with a trailing comma before a closing parenthesis.
    const pattern = new RegExp(
      `\\n?[ \\t]*${[...squash(replaced)]
        .map(c =>
          c === ')' ? ',?\\s*\\)' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('\\s*')}[ \\t]*`,
    );
    if (!pattern.test(source)) {
      throw new Error(
        `the README replaces "${replaced}", which ${file} does not have`,
      );
    }
    source = source.replace(pattern, '');
    log(`backend: removed ${replaced}`);
  }
  for (const statement of statementsOf(text)) {
    if (squash(source).includes(squash(statement))) continue;
    source = source.replace(
      'backend.start();',
      `${statement}\n\nbackend.start();`,
    );
    log(`backend: ${statement.replace(/\s+/g, ' ')}`);
  }
  fs.writeFileSync(file, source);
}

function merge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      target[key] &&
      typeof target[key] === 'object'
    ) {
      merge(target[key], value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function editAppConfig(text) {
  const file = path.join(appDir, 'app-config.yaml');
  const config = YAML.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, YAML.stringify(merge(config, YAML.parse(text))));
  log(`app-config.yaml: merged ${Object.keys(YAML.parse(text)).join(', ')}`);
}

function registerEntity(text) {
  const entity = YAML.parse(text);
  entity.spec.owner = ADOPTER_USER;
  const file = path.join(appDir, 'examples/blue-green-entity.yaml');
  fs.writeFileSync(file, YAML.stringify(entity));
  const configFile = path.join(appDir, 'app-config.yaml');
  const config = YAML.parse(fs.readFileSync(configFile, 'utf8'));
  config.catalog.locations.push({
    type: 'file',
    target: '../../examples/blue-green-entity.yaml',
  });
  fs.writeFileSync(configFile, YAML.stringify(config));
  log(`catalog: ${entity.metadata.name} (owner ${ADOPTER_USER})`);
}

function writeFile(relative, text) {
  const file = path.join(appDir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  log(`wrote ${relative}`);
}

/** `kubectl` commands (their arguments) the adopter runs against their cluster. */
const clusterSteps = [];

for (const readme of READMES) {
  log(readme);
  const blocks = blocksOf(fs.readFileSync(path.join(repoRoot, readme), 'utf8'));
  for (const { lang, title, text } of blocks) {
    if (lang === 'sh') {
      // A command continued over several lines with `\` is one command.
      for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
        const add = /^yarn --cwd (\S+) add (.+)$/.exec(line.trim());
        if (add) addPackages(add[1], add[2].trim().split(/\s+/));
        else if (/^kubectl (.+ )?annotate /.test(line.trim())) {
          clusterSteps.push(line.trim().split(/\s+/).slice(1));
          log(`on the cluster: ${line.trim()}`);
        } else if (/^kubectl /.test(line.trim())) {
          log(`not run here: ${line.trim()}`);
        }
      }
    } else if (!title) {
      continue;
    } else if (title === 'packages/backend/src/index.ts') {
      editBackendIndex(text);
    } else if (title === 'app-config.yaml') {
      editAppConfig(text);
    } else if (title === 'catalog-info.yaml') {
      registerEntity(text);
    } else if (title.startsWith('packages/app/src/')) {
      writeFile(
        path.join('packages/app/src/legacy-readme', path.basename(title)),
        text,
      );
    } else {
      writeFile(title, text);
    }
  }
}

fs.writeFileSync(
  path.join(appDir, 'cluster-steps.json'),
  `${JSON.stringify(clusterSteps, null, 2)}\n`,
);
