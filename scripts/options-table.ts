// The `pcapi serve` settings table in docs/configuration.md, from packages/server/src/serve-settings.ts.
//
//   node --import tsx scripts/options-table.ts           exit 1 (with a note) when the docs differ
//   node --import tsx scripts/options-table.ts --write    rewrite the table between its markers
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REGENERATE_COMMAND, withSettingsTable } from '../packages/server/src/serve-settings-doc.ts';

const docsFile = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const current = readFileSync(docsFile, 'utf8');
const wanted = withSettingsTable(current);
if (process.argv.includes('--write')) {
  if (wanted !== current) writeFileSync(docsFile, wanted);
  console.log(wanted === current ? 'docs/configuration.md: the table was up to date' : 'docs/configuration.md: table rewritten');
} else if (wanted !== current) {
  console.error(`docs/configuration.md's settings table differs from serve-settings.ts; run: ${REGENERATE_COMMAND}`);
  process.exit(1);
} else {
  console.log('docs/configuration.md: the table is up to date');
}
