// Holds the OpenAPI document against the statuses a test run recorded (PCAPI_STATUS_RECORD_DIR, see
// packages/server/test/openapi/record-statuses.ts): prints what the tests produced that the
// document does not state, and what it states that no test produced; exits 1 when either is not empty.
//
//   node --import tsx scripts/check-openapi-coverage.ts <recording folder>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../packages/server/src/surfaces/openapi/openapi-document.ts';
import { compareCoverage, formatCoverage, type CheckedDocument, type ObservedResponse } from '../packages/server/test/openapi/status-coverage.ts';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node --import tsx scripts/check-openapi-coverage.ts <recording folder>');
  process.exit(2);
}
const observed: ObservedResponse[] = [];
for (const name of readdirSync(folder).filter((file) => file.endsWith('.ndjson'))) {
  for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) if (line.trim()) observed.push(JSON.parse(line) as ObservedResponse);
}
const document = buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:8080', version: '0.0.0' }) as CheckedDocument;
// Property tests draw their requests at random: what they produce must be documented, but a
// documented status counts as tested only when a test that asks for it every run produces it.
const DRAWN_AT_RANDOM = /(^|\/)http-properties\.test\.ts$/;
const everything = compareCoverage(document, observed);
const deterministic = compareCoverage(document, observed.filter((entry) => !DRAWN_AT_RANDOM.test(entry.file)));
const lines = formatCoverage({ ...everything, unproduced: deterministic.unproduced });
if (lines.length === 0) {
  console.log(`OpenAPI coverage: every status the tests produced is documented, and every documented status was produced (${observed.length} recorded).`);
} else {
  console.error(`OpenAPI coverage (packages/server/src/surfaces/openapi/ against ${observed.length} recorded answers):`);
  for (const line of lines) console.error(line);
}
process.exit(lines.length === 0 ? 0 : 1);
