// Fails when src/schema.d.ts is not what openapi-typescript makes of ../../docs/openapi.json now: run `npm run generate`
// and commit the result. Generates into a temporary file with the same pinned CLI and flags, then compares the bytes.
// --empty-objects-unknown: a free-form object (a send's `data`) is Record<string, unknown>, not Record<string, never>.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'herald-schema-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  const args = ['../../docs/openapi.json', '--empty-objects-unknown', '-o', fresh];
  execFileSync(join('node_modules', '.bin', 'openapi-typescript'), args, { stdio: 'ignore' });
  if (!readFileSync(fresh).equals(readFileSync('src/schema.d.ts'))) {
    console.error('src/schema.d.ts is out of date with docs/openapi.json: run `npm run generate` in clients/typescript and commit it.');
    process.exit(1);
  }
  console.log('src/schema.d.ts matches docs/openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
