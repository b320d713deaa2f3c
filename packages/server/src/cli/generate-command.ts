/** `pcapi generate-seed`: a large synthetic dataset as a streamed seed file (see seed/generate-seed.ts). */
import { InvalidArgumentError, type Command } from 'commander';
import { generateSeedFile } from '../seed/generate-seed.js';

const count = (min: number, max: number) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return Number(value);
};

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate-seed')
    .description('write a synthetic dataset (JSON Lines seed file) for load tests and large imports')
    .requiredOption('--out <file>', 'file to write; use a .jsonl name so `pcapi seed` streams it')
    .option('--customers <n>', 'customers', count(1, 10_000_000), 1000)
    .option('--partners <n>', 'partner tenants (customers are spread over them)', count(1, 10_000), 10)
    .option('--users-per-partner <n>', 'agent users per partner', count(1, 10_000), 5)
    .action(async (options: { out: string; customers: number; partners: number; usersPerPartner: number }) => {
      const started = performance.now();
      await generateSeedFile(options.out, options);
      process.stdout.write(`wrote ${options.customers} customers of ${options.partners} partners to ${options.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    });
}
