import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
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

/** A plugin module: `register` (named or default export; it may be async), and optionally its name and version. */
export interface PluginModule {
  readonly name?: string;
  readonly version?: string;
  register(registry: PluginRegistry): void | Promise<void>;
}

export interface LoadedPlugin {
  readonly name: string;
  readonly version: string;
  readonly path: string;
}

/** Where a plugin was listed, so its errors point there: `--plugin`, or `plugins.N` of a file (`source`). */
export interface PluginListing {
  readonly field: string;
  readonly source?: string;
}

/** A plugin to load and where it was listed. */
export interface PluginRef {
  readonly path: string;
  readonly listedAt: PluginListing;
}

const FLAG: PluginListing = { field: '--plugin' };

function pickModule(loaded: unknown): PluginModule | null {
  const candidates = [loaded, (loaded as { default?: unknown } | null)?.default];
  for (const candidate of candidates) {
    if (candidate && typeof (candidate as PluginModule).register === 'function') return candidate as PluginModule;
  }
  return null;
}

/** A plugin may throw or reject with anything, not only an Error. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class NeverSettled extends Error {}

/**
 * `work`, or a NeverSettled rejection if the event loop empties first. Node
 * ends a process whose loop is empty even while a promise is pending (a
 * plugin's top-level await or register() that never settles), which would
 * otherwise be a silent exit 0 with nothing done.
 */
function settledBeforeExit<T>(work: Promise<T>): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const onBeforeExit = (): void => reject(new NeverSettled());
    process.once('beforeExit', onBeforeExit);
    void work.then(resolvePromise, reject).finally(() => process.off('beforeExit', onBeforeExit));
  });
}

/**
 * Loads a plugin (ESM or CommonJS) and lets it register strategies, awaiting
 * `register` if it returns a promise. Any failure (missing file, wrong shape,
 * a throw or rejection, a load that never finishes, a name already taken) is
 * an InputError naming the plugin, where it was listed and the cause, raised
 * before anything runs.
 */
export async function loadPlugin(path: string, registry: StrategyRegistry, listedAt: PluginListing = FLAG): Promise<LoadedPlugin> {
  const absolute = resolve(path);
  const fail = (reason: string): never => {
    throw InputError.at(listedAt.field, `${path}: ${reason}`, listedAt.source);
  };
  if (!existsSync(absolute)) fail('no such file');
  let loaded: unknown;
  try {
    loaded = await settledBeforeExit(importModule(pathToFileURL(absolute).href));
  } catch (error) {
    if (error instanceof NeverSettled) fail('never finished loading (a top-level await that never settles)');
    fail(`failed to load: ${messageOf(error)}`);
  }
  const plugin = pickModule(loaded);
  if (!plugin) return fail('exports no register(registry) function (named or default export)');
  const info = nearestPackageInfo(absolute);
  // Unnamed, a plugin is stamped with its file's base name, which reads the same wherever the
  // project lives. Not a hash of its contents: a CRLF checkout of the same code would hash
  // otherwise, and a hash would still miss changes to the modules it imports.
  const name = plugin.name ?? info.name ?? basename(absolute);
  const version = plugin.version ?? info.version ?? '0.0.0';
  await registerModule(plugin, name, version, registry, fail);
  registry.addPlugin({ name, version }, absolute);
  return { name, version, path: absolute };
}

/** Lets a plugin register its classes under `name@version`; a failure goes to `fail`. */
async function registerModule(plugin: PluginModule, name: string, version: string, registry: StrategyRegistry, fail: (reason: string) => never): Promise<void> {
  try {
    const registered = plugin.register({
      register(kind, strategy) {
        if (!STRATEGY_KINDS.includes(kind)) throw new Error(`unknown strategy kind "${String(kind)}"; known: ${STRATEGY_KINDS.join(', ')}`);
        if (typeof strategy !== 'function') throw new Error(`${kind}: expected a class, got ${typeof strategy}`);
        registry.register(kind, strategy, `${name}@${version}`);
      },
    });
    await settledBeforeExit(Promise.resolve(registered));
  } catch (error) {
    if (error instanceof NeverSettled) fail('register() never finished (its promise never settles)');
    fail(`register() failed: ${messageOf(error)}`);
  }
}

/** A plugin given as an object rather than a file: it has no file to take a name from. */
export interface PluginObject extends PluginModule {
  readonly name: string;
}

/**
 * Registers a plugin written in the calling code (the object a plugin module
 * exports, with a `name`), as {@link loadPlugin} registers a file's: its
 * classes are stamped `name@version` (version default 0.0.0) in logs and
 * the header lists it; any failure is an InputError naming it. It exists in
 * this thread only: worker threads (`jobs` > 1) load plugin files, so a
 * sweep or compare that would need it there is refused.
 */
export async function registerPlugin(plugin: PluginObject, registry: StrategyRegistry): Promise<{ readonly name: string; readonly version: string }> {
  if (typeof plugin !== 'object' || plugin === null || typeof plugin.register !== 'function') {
    throw InputError.at('registerPlugin', 'a plugin is an object with a register(registry) function');
  }
  if (typeof plugin.name !== 'string' || plugin.name === '') throw InputError.at('registerPlugin', 'a plugin object needs a name (a string): logs stamp its strategies with it');
  if (plugin.version !== undefined && (typeof plugin.version !== 'string' || plugin.version === '')) {
    throw InputError.at('registerPlugin', `${plugin.name}: version must be a string`);
  }
  const { name } = plugin;
  const version = plugin.version ?? '0.0.0';
  const fail = (reason: string): never => {
    throw InputError.at('registerPlugin', `${name}: ${reason}`);
  };
  await registerModule(plugin, name, version, registry, fail);
  registry.addPlugin({ name, version });
  return { name, version };
}

/** Loads plugins in order; a bare path counts as listed by `--plugin`. */
export async function loadPlugins(plugins: readonly (string | PluginRef)[], registry: StrategyRegistry): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const plugin of plugins) {
    const { path, listedAt } = typeof plugin === 'string' ? { path: plugin, listedAt: FLAG } : plugin;
    loaded.push(await loadPlugin(path, registry, listedAt));
  }
  return loaded;
}
