// Writes packages/contracts/openapi.json: the OpenAPI document (packages/server/src/surfaces/openapi/)
// for pcapi's default local URL, for tools that read a file (the benchmark's Prism, code generators).
// A test fails when the file is not the document as built.
//
//   node --import tsx scripts/write-openapi-contract.ts
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../packages/server/src/surfaces/openapi/openapi-document.ts';
import { serverVersion } from '../packages/server/src/package-paths.ts';

const file = new URL('../packages/contracts/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:8080', version: serverVersion() }), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
