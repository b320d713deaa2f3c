/**
 * `pcapi generate-seed`: a large synthetic dataset as a streamed seed file (see seed/generate-seed.ts),
 * then what to do with it: the credentials of one partner, a customer of each kind (allowed, DAP only,
 * expired, wrong roles) with the answer it gets, and commands to paste. Without --out the file goes to
 * stdout and everything else to stderr.
 */
import { InvalidArgumentError, type Command } from 'commander';

const count = (min: number, max: number) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return Number(value);
};

interface GenerateCommandOptions { out?: string; customers: number; partners: number; usersPerPartner: number }

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate-seed')
    .description('write a synthetic dataset (JSON Lines seed file) for load tests and large imports, and say what to try with it')
    .option('--out <file>', 'file to write; use a .jsonl name so `pcapi seed` streams it (default: stdout, and the guide on stderr)')
    .option('--customers <n>', 'customers', count(1, 10_000_000), 1000)
    .option('--partners <n>', 'partner tenants (customers are spread over them)', count(1, 10_000), 10)
    .option('--users-per-partner <n>', 'agent users per partner', count(1, 10_000), 5)
    .action(async (options: GenerateCommandOptions) => {
      const { formatSeedGuide, generateSeedFile, generateSeedGuide } = await import('../seed/generate-seed.js');
      const { isStreamedSeedFile } = await import('../seed/stream-seed.js');
      const started = performance.now();
      // The guide goes where the seed does not.
      const guideOut = options.out === undefined ? process.stderr : process.stdout;
      await generateSeedFile(options.out ?? process.stdout, options);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      guideOut.write(`wrote ${options.customers} customers of ${options.partners} partners to ${options.out ?? 'stdout'} in ${seconds} s\n`);
      if (options.out !== undefined && !isStreamedSeedFile(options.out)) {
        guideOut.write(`pcapi: warning: ${options.out} does not end in .jsonl or .ndjson, so pcapi seed would read it as one JSON document: rename it\n`);
      }
      guideOut.write(`\n${formatSeedGuide(generateSeedGuide(options), options.out)}`);
    });
}
