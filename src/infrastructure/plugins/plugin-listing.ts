import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { zodProblems } from '../../domain/scenario/parse-scenario';
import { errorCode } from '../fs-error';
import type { PluginRef } from './plugin-loader';

/** Read from the working directory; its plugin paths are relative to it. */
const CONFIG_FILE = 'virtsim.config.json';

const pluginList = z.array(
  z.string({ error: 'must be a string path' }).min(1, { error: 'must be a non-empty path' }),
  { error: 'must be a list of paths' },
);
const configSchema = z.strictObject(
  { plugins: pluginList.optional() },
  { error: 'must be an object such as { "plugins": ["./my-plugin.mjs"] }' },
);

function readConfig(): readonly string[] {
  let text: string;
  try {
    text = readFileSync(CONFIG_FILE, 'utf8');
  } catch (error) {
    throw InputError.at('', `cannot read: ${errorCode(error)}`, CONFIG_FILE);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw InputError.at('', `not valid JSON: ${(error as Error).message}`, CONFIG_FILE);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error), CONFIG_FILE);
  return parsed.data.plugins ?? [];
}

/** The scenario's `plugins`, checked here because they load before the scenario is parsed. */
function scenarioPlugins(scenario: unknown, source: string): readonly string[] {
  const listed = (scenario as { plugins?: unknown } | null | undefined)?.plugins;
  if (listed === undefined) return [];
  const parsed = pluginList.safeParse(listed);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error, 'plugins'), source);
  return parsed.data;
}

/**
 * Plugins named by --plugin, the scenario's `plugins` (relative to the
 * scenario file) and ./virtsim.config.json, in that order; a file listed
 * twice loads once, blamed on its first listing.
 */
export function listPlugins(flagPlugins: readonly string[], scenario: unknown, scenarioPath: string | undefined): PluginRef[] {
  const refs: PluginRef[] = flagPlugins.map((path) => ({ path, listedAt: { field: '--plugin' } }));
  if (scenarioPath !== undefined) {
    scenarioPlugins(scenario, scenarioPath).forEach((entry, index) => {
      refs.push({ path: resolve(dirname(scenarioPath), entry), listedAt: { field: `plugins.${index}`, source: scenarioPath } });
    });
  }
  if (existsSync(CONFIG_FILE)) {
    readConfig().forEach((path, index) => refs.push({ path, listedAt: { field: `plugins.${index}`, source: CONFIG_FILE } }));
  }
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const absolute = resolve(ref.path);
    if (seen.has(absolute)) return false;
    seen.add(absolute);
    return true;
  });
}
