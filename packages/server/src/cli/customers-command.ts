/**
 * `pcapi customers organization get <customer-tenant-id>`: Partner Center's "Get a customer
 * organization" from the command line, through @pcapi/client, against real Partner Center or a pcapi.
 * Everything that can be checked without the network is checked first (exit code 2), so a typo costs
 * no token request and no retries.
 */
import { isGuid } from '@pcapi/contracts';
import {
  ClientSecretCredential,
  DEFAULT_AUTHORITY_HOST,
  PARTNER_CENTER_CLOUDS,
  PartnerCenterClient,
  StaticTokenCredential,
  type CustomerOrganization,
  type TokenCredential,
} from '@pcapi/client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CustomersCommandError, EXIT, EXIT_CODE_TABLE, exitCodeFor } from './customers-exit-codes.js';
import { describeFailure, formatJson, formatTable, OUTPUT_FORMATS, type OutputFormat } from './organization-output.js';

/** Where each option can also come from. */
export const CUSTOMERS_ENV = {
  endpoint: 'PCAPI_ENDPOINT',
  token: 'PCAPI_TOKEN',
  tenant: 'PCAPI_TENANT',
  clientId: 'PCAPI_CLIENT_ID',
  clientSecret: 'PCAPI_CLIENT_SECRET',
  authorityHost: 'PCAPI_AUTHORITY_HOST',
} as const;

/** Microsoft Entra's host for the 21Vianet cloud, the default authority with `--endpoint china`. */
const CHINA_AUTHORITY_HOST = 'https://login.chinacloudapi.cn';
const DEFAULT_MAX_RETRIES = 3;
/** Sent as `MS-PartnerCenter-Application`, so the service can tell the CLI's calls apart. */
const APPLICATION_NAME = 'pcapi-cli';

export interface OrganizationGetOptions {
  output?: OutputFormat;
  endpoint: string;
  token?: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  authorityHost?: string;
  allowInsecure?: boolean;
  maxRetries: number;
}

function usage(message: string): CustomersCommandError {
  return new CustomersCommandError(`${message}\n(see pcapi customers organization get --help)`, EXIT.usage);
}

const parseRetries = (value: string) => {
  if (!/^\d{1,2}$/.test(value)) throw new InvalidArgumentError('expected a whole number from 0 to 99');
  return Number(value);
};

const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.endsWith('.localhost');

/** `http:` only with --allow-insecure; a warning when that sends secrets off this machine. */
function checkScheme(url: URL, what: string, allowInsecure: boolean | undefined): void {
  if (url.protocol === 'https:') return;
  if (!allowInsecure) throw usage(`${what} ${url.origin} is not https: add --allow-insecure to use plain http (meant for a pcapi on localhost)`);
  if (!isLoopback(url)) process.stderr.write(`pcapi: warning: ${what} ${url.origin} is plain http on another machine; secrets travel unencrypted\n`);
}

/**
 * Picks the credential. A kind given by flags beats the other kind given only by environment
 * variables, so an exported PCAPI_TOKEN does not block a one-off `--client-id ...`; both kinds from
 * the same place is ambiguous and refused.
 */
function chooseCredential(options: OrganizationGetOptions, command: Command, endpointOrCloud: string): TokenCredential {
  const fromFlags = (name: keyof OrganizationGetOptions) => command.getOptionValueSource(name) === 'cli';
  const token = given(options.token);
  const app = { tenant: given(options.tenant), clientId: given(options.clientId), clientSecret: given(options.clientSecret) };
  const appGiven = Object.values(app).some((value) => value !== undefined);
  let useToken = token !== undefined;
  if (token !== undefined && appGiven) {
    const tokenByFlag = fromFlags('token');
    const appByFlag = fromFlags('tenant') || fromFlags('clientId') || fromFlags('clientSecret');
    if (tokenByFlag === appByFlag) {
      throw usage('give either --token, or --tenant, --client-id and --client-secret, not both (check the PCAPI_TOKEN, PCAPI_TENANT, PCAPI_CLIENT_ID and PCAPI_CLIENT_SECRET environment variables)');
    }
    useToken = tokenByFlag;
  }
  if (useToken) return new StaticTokenCredential(token!);
  if (!appGiven) {
    throw usage('no credentials: give --token <access-token> (or PCAPI_TOKEN), or --tenant, --client-id and --client-secret (or PCAPI_TENANT, PCAPI_CLIENT_ID, PCAPI_CLIENT_SECRET)');
  }
  const missing = (['tenant', 'clientId', 'clientSecret'] as const).filter((name) => app[name] === undefined);
  if (missing.length > 0) {
    const flags = { tenant: '--tenant', clientId: '--client-id', clientSecret: '--client-secret' };
    throw usage(`app-only sign-in needs --tenant, --client-id and --client-secret; missing ${missing.map((name) => `${flags[name]} (or ${CUSTOMERS_ENV[name]})`).join(', ')}`);
  }
  const authorityHostText = given(options.authorityHost) ?? (endpointOrCloud === 'china' ? CHINA_AUTHORITY_HOST : DEFAULT_AUTHORITY_HOST);
  let authorityHost: URL;
  try {
    authorityHost = new URL(authorityHostText);
    if (authorityHost.protocol !== 'https:' && authorityHost.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw usage(`--authority-host must be an http(s) URL, such as ${DEFAULT_AUTHORITY_HOST} or a pcapi's URL; got ${JSON.stringify(authorityHostText.slice(0, 100))}`);
  }
  checkScheme(authorityHost, 'the authority host', options.allowInsecure);
  try {
    return new ClientSecretCredential(app.tenant!, app.clientId!, app.clientSecret!, { authorityHost: authorityHostText, allowInsecureConnection: options.allowInsecure ?? false });
  } catch (error) {
    throw usage((error as Error).message);
  }
}

/** Validates everything, makes the call, writes the result; throws a CustomersCommandError on failure. */
export async function runOrganizationGet(customerTenantId: string, options: OrganizationGetOptions, command: Command): Promise<void> {
  if (!isGuid(customerTenantId)) {
    throw usage(`<customer-tenant-id> must be the customer's Microsoft Entra tenant id, a GUID such as 13bba13f-49f8-49aa-8a22-1fe70d695fcb; got ${JSON.stringify((customerTenantId as string).slice(0, 80))}`);
  }
  const output: OutputFormat = options.output ?? (process.stdout.isTTY ? 'table' : 'json');
  const endpointOrCloud = given(options.endpoint) ?? 'global';

  const credential = chooseCredential(options, command, endpointOrCloud);
  let client: PartnerCenterClient;
  try {
    client = new PartnerCenterClient(endpointOrCloud, credential, {
      allowInsecureConnection: options.allowInsecure ?? false,
      applicationName: APPLICATION_NAME,
      retryOptions: { maxRetries: options.maxRetries },
    });
  } catch (error) {
    throw usage(`--endpoint: ${(error as Error).message}`);
  }
  checkScheme(new URL(client.endpoint), 'the endpoint', options.allowInsecure);

  let organizations: CustomerOrganization[];
  try {
    organizations = await client.getCustomerOrganization(customerTenantId);
  } catch (error) {
    throw new CustomersCommandError(describeFailure(error), exitCodeFor(error));
  }
  process.stdout.write(output === 'json' ? formatJson(organizations) : formatTable(organizations));
}

function exitCodeHelp(): string {
  return ['', 'Exit codes:', ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${code}  ${meaning}`)].join('\n');
}

const EXAMPLES = `
Examples:
  # real Partner Center, app-only (the app must be set up for Partner Center and GDAP)
  PCAPI_TENANT=<partner-tenant> PCAPI_CLIENT_ID=<app-id> PCAPI_CLIENT_SECRET=<secret> \\
    pcapi customers organization get <customer-tenant-id>

  # a local pcapi (npm start), with its demo app
  pcapi customers organization get 13bba13f-49f8-49aa-8a22-1fe70d695fcb \\
    --endpoint http://127.0.0.1:8080 --authority-host http://127.0.0.1:8080 --allow-insecure \\
    --tenant fabrikam.example --client-id 5cb9b94d-825a-47d7-830b-7226f428175e --client-secret pcapi-demo

  # a token you already have
  pcapi customers organization get <customer-tenant-id> --token "$(az account get-access-token \\
    --resource https://api.partnercenter.microsoft.com --query accessToken -o tsv)"`;

/** Adds `customers organization get` to the `pcapi` program. */
export function registerCustomersCommand(program: Command): void {
  const customers = program.command('customers').description("Partner Center's customer APIs (as a client: real Partner Center or a pcapi)");
  const organization = customers.command('organization').description("a customer's organization details");
  organization
    .command('get')
    .description("get a customer's organization: GET /v1/customers/{customer-tenant-id}/organization")
    .argument('<customer-tenant-id>', "the customer's Microsoft Entra tenant id (a GUID)")
    .addOption(new Option('-o, --output <format>', 'json or table (default: table when stdout is a terminal, json otherwise)').choices(OUTPUT_FORMATS))
    .addOption(new Option('--endpoint <url-or-cloud>', `Partner Center base URL, or a cloud: ${Object.keys(PARTNER_CENTER_CLOUDS).join(', ')}`).env(CUSTOMERS_ENV.endpoint).default('global'))
    .addOption(new Option('--token <access-token>', 'an access token for Partner Center (for example from `pcapi token`)').env(CUSTOMERS_ENV.token))
    .addOption(new Option('--tenant <tenant>', 'app-only sign-in: the partner tenant (id or domain)').env(CUSTOMERS_ENV.tenant))
    .addOption(new Option('--client-id <client-id>', 'app-only sign-in: the application (client) id').env(CUSTOMERS_ENV.clientId))
    .addOption(new Option('--client-secret <secret>', 'app-only sign-in: a client secret of the app (prefer the environment variable)').env(CUSTOMERS_ENV.clientSecret))
    .addOption(
      new Option('--authority-host <url>', `token issuer for app-only sign-in; a pcapi's own URL for a pcapi (default: ${DEFAULT_AUTHORITY_HOST}; ${CHINA_AUTHORITY_HOST} with --endpoint china)`).env(
        CUSTOMERS_ENV.authorityHost,
      ),
    )
    .addOption(new Option('--allow-insecure', 'allow http:// endpoint and authority host (a pcapi on localhost): the token and secret travel unencrypted'))
    .addOption(new Option('--max-retries <n>', 'retries after the first attempt, on 429, 5xx and network failures').argParser(parseRetries).default(DEFAULT_MAX_RETRIES))
    .addHelpText('after', `${exitCodeHelp()}\n${EXAMPLES}`)
    .action(async (customerTenantId: string, options: OrganizationGetOptions, command: Command) => {
      await runOrganizationGet(customerTenantId, options, command);
    });
}
