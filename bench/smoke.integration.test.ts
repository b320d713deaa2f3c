/**
 * CI smoke of the benchmark harness (benchmarks are not tests): a tiny dataset, about a second of load
 * per target, and checks that the result is well formed. Prism is tried with a short time limit and
 * may fail without failing this test; its failure must then be recorded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureDataset } from './dataset.js';
import { runBenchmark } from './harness.js';
import { median } from './measure.js';
import { defaultOptions, parseOptions, parseSize, REPO_DIR, type BenchOptions } from './options.js';
import { markdownFigures, terminalTable } from './report.js';
import { buildRequestPool } from './requests.js';
import { writeResults, updateDocs, FIGURES_START, FIGURES_END } from './run.js';
import { buildSoakMix } from './soak-mix.js';

describe('bench options', () => {
  it('parses sizes, --quick and the run settings', () => {
    assert.deepEqual(['1k', '100k', '1m', '2500'].map(parseSize), [1_000, 100_000, 1_000_000, 2_500]);
    const quick = parseOptions(['--quick']);
    assert.deepEqual(quick.sizes, [1_000, 100_000]);
    assert.equal(quick.runs, 1);
    assert.equal(quick.name, 'quick');
    const custom = parseOptions(['--sizes', '1k,1m', '--runs', '5', '--duration=3', '--targets', 'pcapi,ceiling', '--load', 'autocannon']);
    assert.deepEqual(custom.sizes, [1_000, 1_000_000]);
    assert.equal(custom.runs, 5);
    assert.equal(custom.durationS, 3);
    assert.deepEqual(custom.targets, ['pcapi', 'ceiling']);
    const soak = parseOptions(['--soak', '--soak-duration', '60', '--no-cold', '--baseline-commit', '760fa6e']);
    assert.deepEqual([soak.soak, soak.soakDurationS, soak.sizes, soak.name, soak.cold, soak.baselineCommit], [true, 60, [1_000_000], 'soak', false, '760fa6e']);
    assert.throws(() => parseOptions(['--targets', 'nginx']), /unknown target/);
    assert.throws(() => parseOptions(['--bogus']), /unknown option/);
  });

  it('takes medians', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe('bench harness smoke', () => {
  const work = mkdtempSync(join(tmpdir(), 'pcapi-bench-smoke-'));
  const bundleDir = join(REPO_DIR, 'packages/server/.build', `bench-smoke-${process.pid}`);
  after(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  });

  it('measures pcapi (decisions cached and not), the ceiling and the Fastify floor on a tiny dataset and writes a well-formed result', { timeout: 180_000 }, async () => {
    const options: BenchOptions = {
      ...defaultOptions(),
      sizes: [200],
      partners: 4,
      usersPerPartner: 2,
      runs: 1,
      durationS: 1,
      warmupS: 0,
      connections: 10,
      pairs: 500,
      coldStarts: 1,
      // autocannon is an npm devDependency, so it is there on every machine (wrk may not be).
      load: 'autocannon',
      // The bundle, as npm start runs it, in a folder of its own (as the tests' CLI runner does), not the
      // packages/server/dist another process may be running.
      entry: 'dist',
      bundleDir,
      prismStartTimeoutS: 15,
      quietWaitS: 0,
      retries: 0,
      dataDir: join(work, 'data'),
      outDir: join(work, 'results'),
      name: 'smoke',
    };
    const lines: string[] = [];
    const result = await runBenchmark(options, (line) => lines.push(line));

    assert.equal(result.schema, 'pcapi-bench/1');
    assert.ok(result.machine.cores >= 1 && result.machine.cpuModel.length > 0 && result.machine.node === process.version);
    assert.equal(result.loadGenerator.tool, 'autocannon');
    assert.equal(result.settings.pcapiEntry.kind, 'dist');

    const pcapi = result.targets.find((target) => target.id === 'pcapi-200');
    const cold = result.targets.find((target) => target.id === 'pcapi-200-cold');
    const ceiling = result.targets.find((target) => target.id === 'ceiling');
    const floor = result.targets.find((target) => target.id === 'fastify');
    assert.ok(pcapi && cold && ceiling && floor, `targets: ${result.targets.map((target) => target.id).join(', ')}`);
    assert.deepEqual([pcapi.decisionCache, cold.decisionCache], [true, false]);
    for (const target of [pcapi, cold, ceiling, floor]) {
      assert.equal(target.status, 'ok', `${target.label}: ${target.error}\n${lines.join('\n')}`);
      assert.equal(target.runs.length, 1);
      assert.ok(target.median!.rps > 0, `${target.label} rps`);
      assert.ok(target.median!.p50Ms > 0 && target.median!.p99Ms >= target.median!.p50Ms, `${target.label} latency`);
      assert.ok((target.peakRssBytes ?? 0) > 10_000_000, `${target.label} peak RSS`);
    }
    // The mix: real tokens, allowed and denied customers, nothing else (no 401, no 429).
    for (const target of [pcapi, cold]) {
      assert.deepEqual(Object.keys(target.probe!.statusCounts).sort(), ['200', '403']);
      assert.deepEqual(Object.keys(target.runs[0]!.statusCounts ?? {}).sort(), ['200', '403']);
    }
    assert.equal(cold.coldStart, undefined, 'cold starts are timed once per dataset');
    assert.equal(ceiling.runs[0]!.non2xx, 0);
    assert.equal(floor.runs[0]!.non2xx, 0);
    assert.match(floor.label, /^Fastify floor \d+\.\d+\.\d+$/);
    for (const name of ['pcapi 200 / ceiling', 'pcapi 200 / Fastify floor', 'Fastify floor / ceiling']) {
      assert.ok(result.ratios.some((ratio) => ratio.name === name && ratio.value > 0), `ratio ${name} in ${result.ratios.map((ratio) => ratio.name).join(', ')}`);
    }
    // The references ran in turns with the cached pcapi (the largest size's), not with the cold one.
    const toCeiling = result.ratios.find((ratio) => ratio.name === 'pcapi 200 / ceiling')!;
    assert.deepEqual(toCeiling.paired && { pairs: toCeiling.paired.pairs, median: toCeiling.paired.median }, { pairs: 1, median: pcapi.runs[0]!.rps / ceiling.runs[0]!.rps });
    assert.equal(result.ratios.find((ratio) => ratio.name === 'pcapi 200 cold / ceiling')!.paired, undefined);
    assert.match(result.goals[3]!.measured, /^\d\.\d\d; paired runs \d\.\d\d \(/);
    assert.equal(pcapi.coldStart?.samplesMs.length, 1);
    assert.ok(pcapi.coldStart!.medianMs > 0);

    const prism = result.targets.find((target) => target.kind === 'prism');
    assert.ok(prism, 'Prism is always reported, measured or not');
    if (prism.status === 'ok') assert.ok(prism.median!.rps > 0);
    else assert.ok(prism.error && prism.error.length > 0, 'a failed Prism says why');

    for (const name of ['pcapi 200 / ceiling', 'pcapi 200 cold / ceiling']) assert.ok(result.ratios.some((ratio) => ratio.name === name && ratio.value > 0), name);
    assert.equal(result.goals.length, 6);
    assert.match(result.goals[5]!.measured, /req\/s; baseline not measured/);

    const files = writeResults(result, options.outDir, options.name);
    const written = JSON.parse(readFileSync(files.json, 'utf8')) as typeof result;
    assert.equal(written.targets.length, result.targets.length);
    assert.match(readFileSync(files.svg, 'utf8'), /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(readFileSync(files.md, 'utf8'), /\| pcapi 200 \|[^\n]*\n\| pcapi 200 cold \|/);
    assert.match(terminalTable(result), /ceiling \(node:http\)/);

    // The soak's traffic (the soak itself is not part of npm test): every kind in each block of 1,000.
    const dataset = await ensureDataset(options.dataDir, { customers: 200, partners: 4, usersPerPartner: 2 }, () => undefined);
    const mix = await buildSoakMix(await buildRequestPool(dataset, { pairs: 500, file: join(work, 'soak-pool.txt') }), dataset.dataDir);
    assert.equal(Object.values(mix.kinds).reduce((sum, count) => sum + count, 0), 1000);
    assert.equal(mix.requests.length, 20_000);
    assert.ok(mix.requests.some((request) => request.method === 'POST' && request.path.endsWith('/oauth2/v2.0/token')));
    assert.ok(mix.requests.some((request) => (request.headers['x-fuzz']?.length ?? 0) > 16_384));

    const docs = join(work, 'benchmarks.md');
    writeFileSync(docs, `# B\n\n${FIGURES_START}\nold\n${FIGURES_END}\n\ntail\n`);
    assert.equal(updateDocs(markdownFigures(result), docs), true);
    const updated = readFileSync(docs, 'utf8');
    assert.doesNotMatch(updated, /\nold\n/);
    assert.match(updated, /\| pcapi 200 \|[^\n]*\n[\s\S]*tail/);
  });
});
