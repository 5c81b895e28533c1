// Fails (exit 1) when a schemas/proto/*.proto file is not BACKWARD compatible with its committed
// baseline in schemas/proto/baseline/. Run by `npm run check:schemas`, the schemas build and tests.
// After a deliberate, compatible release of a schema, copy the file into baseline/.
//   node schemas/dist/check-compatibility.js [currentDir] [baselineDir]
import { existsSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { checkBackward, type Violation } from './compatibility.js';
import { BASELINE_DIR, PROTO_DIR, parseProto, readProto } from './proto-files.js';

export function checkProtoDirs(currentDir = PROTO_DIR, baselineDir = BASELINE_DIR): Violation[] {
  const out: Violation[] = [];
  const protos = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.proto'));
  const current = new Set(protos(currentDir));
  for (const file of protos(baselineDir)) {
    if (!current.has(file)) {
      out.push({ path: file, rule: 'FILE_REMOVED', message: `${file} is in the baseline but gone` });
      continue;
    }
    try {
      const before = parseProto(readProto(file, baselineDir), file);
      const after = parseProto(readProto(file, currentDir), file);
      out.push(...checkBackward(before, after, file));
    } catch (e) {
      // protobufjs rejects e.g. a field on a reserved number while parsing
      out.push({ path: file, rule: 'INVALID_PROTO', message: (e as Error).message });
    }
  }
  for (const file of current) {
    if (!existsSync(baselineDir + file)) {
      out.push({
        path: file,
        rule: 'NO_BASELINE',
        message: `copy ${file} into ${baselineDir} once released`,
      });
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dirs = process.argv.slice(2).map((d) => (d.endsWith('/') ? d : `${d}/`));
  const violations = checkProtoDirs(dirs[0], dirs[1]);
  for (const v of violations) console.error(`${v.path}: ${v.rule}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`schema compatibility: ${violations.length} violation(s) against the baseline`);
    process.exit(1);
  }
  console.log('schema compatibility: all .proto files are BACKWARD compatible with schemas/proto/baseline');
}
