import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Newable } from 'inversify';
import { InputError } from '../../domain/errors';
import { STRATEGY_KINDS, type StrategyInfo, type StrategyKind } from '../../strategies/strategy';
import type { StrategyRegistry } from '../container/strategy-registry';
import { nearestPackageInfo } from '../package-info';
import { importModule } from './import-module';

/** What a plugin's `register` function receives: register named strategies of any kind. */
export interface PluginRegistry {
  register(kind: StrategyKind, strategy: Newable<StrategyInfo>): void;
}

/** A plugin module: `register` (named or default export), and optionally its name and version. */
export interface PluginModule {
  readonly name?: string;
  readonly version?: string;
  register(registry: PluginRegistry): void;
}

export interface LoadedPlugin {
  readonly name: string;
  readonly version: string;
  readonly path: string;
}

function pickModule(loaded: unknown): PluginModule | null {
  const candidates = [loaded, (loaded as { default?: unknown } | null)?.default];
  for (const candidate of candidates) {
    if (candidate && typeof (candidate as PluginModule).register === 'function') return candidate as PluginModule;
  }
  return null;
}

/**
 * Loads a plugin (ESM or CommonJS) and lets it register strategies. Any
 * failure (missing file, wrong shape, a throw, a name already taken) is an
 * InputError naming the plugin and the cause, raised before anything runs.
 */
export async function loadPlugin(path: string, registry: StrategyRegistry): Promise<LoadedPlugin> {
  const absolute = resolve(path);
  const fail = (reason: string): never => {
    throw InputError.at('--plugin', `${path}: ${reason}`);
  };
  if (!existsSync(absolute)) fail('no such file');
  let loaded: unknown;
  try {
    loaded = await importModule(pathToFileURL(absolute).href);
  } catch (error) {
    fail(`failed to load: ${(error as Error).message}`);
  }
  const plugin = pickModule(loaded);
  if (!plugin) return fail('exports no register(registry) function (named or default export)');
  const info = nearestPackageInfo(absolute);
  const name = plugin.name ?? info.name ?? absolute;
  const version = plugin.version ?? info.version ?? '0.0.0';
  try {
    plugin.register({
      register(kind, strategy) {
        if (!STRATEGY_KINDS.includes(kind)) throw new Error(`unknown strategy kind "${String(kind)}"; known: ${STRATEGY_KINDS.join(', ')}`);
        if (typeof strategy !== 'function') throw new Error(`${kind}: expected a class, got ${typeof strategy}`);
        registry.register(kind, strategy, `${name}@${version}`);
      },
    });
  } catch (error) {
    fail(`register() failed: ${(error as Error).message}`);
  }
  registry.plugins.push({ name, version });
  return { name, version, path: absolute };
}

export async function loadPlugins(paths: readonly string[], registry: StrategyRegistry): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const path of paths) loaded.push(await loadPlugin(path, registry));
  return loaded;
}
