// The package's JavaScript is the very files herald-server serves under /inbox/: copied from src/Herald.Server/Ui/inbox at
// build time, never edited here (dist/ is git-ignored).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const served = join(root, '..', '..', 'src', 'Herald.Server', 'Ui', 'inbox');
mkdirSync(join(root, 'dist'), { recursive: true });
for (const file of ['herald-inbox.js', 'herald-preferences.js']) copyFileSync(join(served, file), join(root, 'dist', file));
console.log(`copied herald-inbox.js and herald-preferences.js from ${served}`);
