// A small study: record one guest's writes, then run every strategy and stop
// policy (one written here, as a plugin object) on exactly those writes, and
// fold a figure the result does not give from the live events and from the log.
//   npm ci && node examples/library/strategy-study.mjs [DIR]
// DIR keeps the recording, the scenario and each run's log (default: a temporary directory, removed).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Subject, filter, last, lastValueFrom, map } from 'rxjs';
import { compareStrategies, createRegistry, QemuStopPolicy, registerPlugin, replay, runMigration } from '../../dist/src/index.js';

const given = process.argv[2];
const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), 'virtsim-study-'));
mkdirSync(dir, { recursive: true });

/** QEMU's rule, but the VM stops after three rounds whatever is left. */
class ThreeRounds extends QemuStopPolicy {
  name = 'three-rounds';
  version = '0.1.0';
  description = "QEMU's rule, but stop after three rounds";
  afterSync(progress) {
    return progress.rounds >= 3 ? { stop: true, reason: 'three rounds' } : super.afterSync(progress);
  }
}

try {
  const registry = createRegistry();
  await registerPlugin({ name: 'study', version: '0.1.0', register: (r) => r.register('stop-policy', ThreeRounds) }, registry);

  // 1. Record a hot-cold guest: its log holds every write, in order.
  const scenario = {
    seed: 5,
    vm: { memory: '256MiB', workload: { model: 'hot-cold', 'dirty-rate': 30000, 'hot-set': '32MiB', 'hot-fraction': 0.9 } },
    link: { bandwidth: '1Gbit/s' },
    // A run that never converges ends at max-duration (default: an hour of simulated time).
    migration: { parameters: { 'downtime-limit': 100 }, 'max-duration': 20000 },
  };
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario, null, 2));
  const recording = join(dir, 'recorded.ndjson');
  // Pre-copy runs longest here: every other run meets no more writes than were recorded.
  const recorded = runMigration({ scenario, strategy: 'pre-copy', eventsPath: recording }).result;

  // 2. Every run on exactly those writes (the CLI's --workload-from).
  const onRecording = { ...scenario, vm: { ...scenario.vm, workload: { model: 'trace', from: recording } } };
  const runs = {};
  for (const stopPolicy of ['qemu', 'pass-threshold', 'xen', 'three-rounds']) {
    runs[`pre-copy/${stopPolicy}`] = runMigration({ registry, scenario: onRecording, stopPolicy, eventsPath: join(dir, `pre-copy-${stopPolicy}.ndjson`) }).result;
  }
  const others = compareStrategies({ registry, scenario: onRecording, strategies: ['post-copy', 'hybrid', 'stop-and-copy'], eventsDir: dir });
  for (const [strategy, result] of Object.entries(others)) runs[strategy] = result;

  // 3. When the last page left the source: folded from a run's events live, and from its log.
  const lastPageSent = (events$) => lastValueFrom(events$.pipe(filter((event) => event.type === 'PagesSent'), last(), map((event) => event.at / 1e6)));
  const live$ = new Subject();
  const live = lastPageSent(live$);
  runMigration({ registry, scenario: onRecording, strategy: 'hybrid', events: live$ });
  const logged$ = new Subject();
  const logged = lastPageSent(logged$);
  const replayed = replay(join(dir, 'hybrid.ndjson'), { events: logged$ }).result;

  console.log(JSON.stringify({
    recorded: { writes: recorded.ram['guest-writes'], log: recording },
    rows: Object.entries(runs).map(([run, result]) => ({
      run,
      'downtime-ms': result.downtime,
      'total-ms': result['total-time'],
      'sent-bytes': result.ram.transferred,
      'guest-writes': result.ram['guest-writes'],
      consistent: result.verification.consistent,
    })),
    'hybrid last page sent (ms)': { live: await live, replayed: await logged },
    'hybrid replays to its result': JSON.stringify(replayed) === JSON.stringify(others.hybrid),
  }, null, 2));
} finally {
  if (!given) rmSync(dir, { recursive: true, force: true });
}
