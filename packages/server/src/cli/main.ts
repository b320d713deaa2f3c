#!/usr/bin/env node
/** `pcapi`: serve the API, import seed files, mint tokens for local development. */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, resolveServeConfig, type RawServeOptions } from '../config.js';
import { SigningKeyError } from '../identity/signing-key.js';
import { SeedError } from '../seed/seed-error.js';
import { StoreOpenError } from '../store/store.js';
import { serverVersion } from '../package-paths.js';
import { runToken, TokenCommandError, type TokenCommandOptions } from './token-command.js';
import { registerCustomersCommand } from './customers-command.js';
import { CustomersCommandError } from './customers-exit-codes.js';
import { addServeOptions, addStoreOptions } from './serve-options.js';
import { registerGenerateCommand } from './generate-command.js';
import { registerExportCommand } from './export-command.js';
import { registerKeysCommand } from './keys-command.js';
import { LoginError, registerLoginCommand } from './login-command.js';
import { ConsentsCommandError, registerConsentsCommand } from './consents-command.js';
import { EmulatorCommandError, registerEmulatorCommands } from './emulator-command.js';
import { ExplainCommandError, registerExplainCommand } from './explain-command.js';
import { AuditCommandError, registerAuditCommand } from './audit-command.js';
import { NoStoreError } from './cli-store.js';

/** Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const program = new Command('pcapi')
  .description('A local, wire-faithful Partner Center "Get a customer organization" API')
  .version(serverVersion(), '-V, --version', 'print pcapi\'s version')
  .exitOverride()
  // One line, not the whole help, after a usage error: the message is what matters.
  .showHelpAfterError('(pcapi <command> --help lists the options)');

addServeOptions(program.command('serve').description('serve the API and the local token issuer')).action(async (options: RawServeOptions) => {
  const config = resolveServeConfig(options);
  // Loaded only here: the server (Fastify, prom-client, pino) would cost every other command ~0.5 s to start.
  const { runServe } = await import('./serve-command.js');
  await runServe(config);
});

addStoreOptions(program.command('seed').description('import a seed file in one transaction (a bad file changes nothing)').argument('<file>', 'seed file: JSON, or JSON Lines (.jsonl, .ndjson) for large datasets'))
  .action(async (file: string, options: RawServeOptions) => {
    const { runSeed } = await import('./seed-command.js');
    await runSeed(file, options);
  });

registerGenerateCommand(program);
registerExportCommand(program);

// A lifetime of 0 or less would mint a token expiring before it was issued; --expired makes expired ones.
const parseSeconds = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected whole seconds, at least 1 (--expired mints an expired token)');
  return Number(value);
};
const collectClaim = (value: string, previous: string[] = []) => [...previous, value];

addStoreOptions(program.command('token').description('mint an access token for a user or app in the store, without its secret (local development)'))
  .option('--user <upn>', 'user principal name, e.g. admin@fabrikam.example')
  .option('--app <client-id>', 'application (client) id, for an app-only token')
  .option('--tenant <tenant>', 'partner tenant id or domain; needed only when the client id or user name is in several tenants (default: the one tenant holding it)')
  .option('--client-id <client-id>', 'app a user token is issued to (appid)')
  .option('--public-url <url>', 'issuer base URL: must match the server\u2019s (default: the URL the last pcapi serve on this store recorded, else http://127.0.0.1:8080)', process.env.PCAPI_PUBLIC_URL)
  .option('--lifetime <seconds>', 'token lifetime', parseSeconds)
  .option('--expired', 'issue a token that expired an hour ago')
  .option('--not-yet-valid', 'issue a token whose nbf is an hour ahead')
  .option('--no-mfa', 'leave mfa out of amr (app+user tokens)')
  .option('--audience <aud>', 'another audience, to test rejection')
  .option('--claim <name=json>', 'set a claim (JSON value, or a plain string); name= deletes it', collectClaim)
  .action(async (options: TokenCommandOptions) => {
    process.stdout.write((await runToken(options)) + '\n');
  });

registerCustomersCommand(program);
registerKeysCommand(program);
registerLoginCommand(program);
registerConsentsCommand(program);
registerEmulatorCommands(program);
registerExplainCommand(program);
registerAuditCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  if (error instanceof LoginError) {
    process.stderr.write(`pcapi login: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof EmulatorCommandError) {
    process.stderr.write(`pcapi: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof CustomersCommandError) {
    process.stderr.write(`pcapi: ${error.message}\n`);
    process.exit(error.exitCode); // the table is in customers-exit-codes.ts
  }
  if (error instanceof ConfigError || error instanceof SeedError || error instanceof TokenCommandError || error instanceof ConsentsCommandError || error instanceof ExplainCommandError || error instanceof AuditCommandError || error instanceof NoStoreError) {
    process.stderr.write(`pcapi: ${error.message}\n`);
    process.exit(EXIT_USAGE);
  }
  if (error instanceof StoreOpenError || error instanceof SigningKeyError) {
    process.stderr.write(`pcapi: ${error.message}\n`);
    process.exit(EXIT_FAILURE);
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`pcapi: the address is already in use: ${(error as Error).message}\n`);
    process.exit(EXIT_FAILURE);
  }
  process.stderr.write(`pcapi: ${(error as Error).message}\n`);
  process.exit(EXIT_FAILURE);
}
