// Bundles the CLI (dist/main.js, after tsc) into dist/bundle/, the `tcpx` that users and tests run.
// Why: Node 20 resolves, reads and compiles each module file on its own (it has no compile cache),
// and an edge pulls in over 500 of them, 446 CommonJS files alone (kafkajs, the schema-registry
// client with its HTTP and OAuth dependencies, protobuf): `tcpx edge` on the demo capture took
// 0.89-1.10 s of CPU, 0.60-0.71 s bundled. Commands stay separate chunks, so `tcpx edge` never
// parses the API.
//
// Only our workspace packages and BUNDLED (with their own dependencies) are inlined. Every other
// package stays an ordinary import from node_modules: some read files next to their own code
// (pino's worker transports, swagger-ui's static files), and native addons cannot be bundled.
// Each of our modules keeps its own import.meta.url, so the files it finds relative to itself (the
// .proto files, ClickHouse migrations, the web UI's assets) resolve as they do unbundled.
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const BUNDLED = ['kafkajs', '@confluentinc/schemaregistry', 'protobufjs', '@bufbuild/protobuf'];

const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
/** node_modules/<package>/ directories being inlined: what their code imports is inlined too. */
const inlinedRoots = new Set();

/** Decides, per bare import, between inlining and leaving it to node_modules at run time. */
const chooseExternals = {
  name: 'tcpx-externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData?.resolving || args.path.startsWith('node:')) return undefined;
      const name = packageOf(args.path);
      const fromOurCode = !args.importer.includes('/node_modules/');
      const inline =
        name.startsWith('@tcpx/') ||
        (fromOurCode
          ? BUNDLED.includes(name)
          : [...inlinedRoots].some((root) => args.importer.startsWith(root)));
      if (!inline) return { path: args.path, external: true };
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { resolving: true },
      });
      // Not installed (an optional dependency, required inside try/catch): left to fail at run time as before.
      if (resolved.errors.length > 0) return { path: args.path, external: true };
      const root = resolved.path?.match(/^.*\/node_modules\/(?:@[^/]+\/)?[^/]+\//);
      if (root) inlinedRoots.add(root[0]);
      return resolved;
    });
  },
};

/** Our modules keep their own import.meta.url (see above). */
const keepImportMetaUrl = {
  name: 'tcpx-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\/dist\/.*\.js$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = await readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

/**
 * The registry client requires its OAuth helpers (simple-oauth2 with joi and @hapi's libraries) as
 * it loads; tcpx never configures OAuth. Inside the client they become stand-ins that require the
 * real package from node_modules on first use, so every start skips them.
 */
const LAZY_IN_REGISTRY_CLIENT = /^(simple-oauth2|@hapi\/wreck)$/;
const lazyOauth = {
  name: 'tcpx-lazy-oauth',
  setup(build) {
    build.onResolve({ filter: LAZY_IN_REGISTRY_CLIENT }, (args) =>
      args.importer.includes('/@confluentinc/schemaregistry/')
        ? { path: args.path, namespace: 'lazy' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      // __esModule: asked by the client's __importDefault at load; both packages are CommonJS.
      contents: `let real;
module.exports = new Proxy({}, {
  get: (_, key) => (key === '__esModule' ? undefined : (real ??= require(${JSON.stringify(args.path)}))[key]),
});`,
      loader: 'js',
    }));
  },
};

/**
 * kafkajs checksums every record batch it produces a byte at a time in JS: 0.14 s of an edge's
 * main thread per million summaries. The bundle gives it @tcpx/schemas' crc32c instead (native,
 * ~12x faster); brokers verify the result on every produce.
 */
const fastCrc32c = {
  name: 'tcpx-fast-crc32c',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/crc32C$/ }, (args) =>
      args.importer.includes('/kafkajs/src/protocol/recordBatch/')
        ? { path: 'crc32c', namespace: 'tcpx-crc32c' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'tcpx-crc32c' }, () => ({
      contents: "module.exports = require('@tcpx/schemas/crc32c').crc32c;",
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'js',
    }));
  },
};

/**
 * kafkajs' Encoder grows its buffer by doubling into Buffer.alloc: zero-filled memory that is
 * written over at once (only bytes below its offset are ever read). In an edge that zeroing is
 * paid on every record and every record batch. The bundle's copy allocates without it. The build
 * fails if a kafkajs upgrade changes the two lines.
 */
const kafkajsEncoderUnzeroed = {
  name: 'tcpx-kafkajs-encoder-unzeroed',
  setup(build) {
    build.onLoad({ filter: /\/kafkajs\/src\/protocol\/encoder\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const patched = text.replaceAll('Buffer.alloc(', 'Buffer.allocUnsafe(');
      const count = text.split('Buffer.alloc(').length - 1;
      if (count !== 2) throw new Error(`${args.path}: expected 2 Buffer.alloc( calls, found ${count}`);
      return { contents: patched, loader: 'js' };
    });
  },
};

const outdir = fileURLToPath(new URL('./dist/bundle/', import.meta.url));
await rm(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [fileURLToPath(new URL('./dist/main.js', import.meta.url))],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [lazyOauth, fastCrc32c, kafkajsEncoderUnzeroed, chooseExternals, keepImportMetaUrl],
  // Bundled CommonJS code (kafkajs) calls require() for Node's modules: give it one.
  banner: {
    js: "import { createRequire as createTcpxRequire } from 'node:module'; const require = createTcpxRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
