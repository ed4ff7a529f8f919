import { Container, type Newable } from 'inversify';
import { InputError, unknownName } from '../../domain/errors';
import { byCodeUnits } from '../../domain/text-order';
import { STRATEGY_KINDS, TOKENS, type StrategyInfo, type StrategyKind } from '../../strategies/strategy';

export interface RegisteredStrategy {
  readonly kind: StrategyKind;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** `built-in`, or the plugin that registered it. */
  readonly origin: string;
  /** What the strategy cannot run without (a migration strategy's QEMU capabilities). */
  readonly capabilities: readonly string[];
}

/** The origin of the classes virtsim itself registers (createRegistry): never blamed as a plugin's. */
export const BUILT_IN_ORIGIN = 'built-in';

/**
 * The origin of a class registered by hand, `register(kind, Class)` without
 * one: neither built in nor from a plugin file, so in this thread only.
 */
export const LOCAL_ORIGIN = 'local';

/**
 * The catalogue of named strategies over an inversify container: each class
 * is bound under its kind's token with `whenNamed(name)`, so swapping a
 * strategy is a name change; the catalogue keeps what `list` shows.
 */
export class StrategyRegistry {
  private readonly entries = new Map<StrategyKind, Map<string, RegisteredStrategy>>();
  /** Plugins loaded into this registry, in load order; {@link pluginStamps} lists them for a log header. */
  readonly plugins: { readonly name: string; readonly version: string }[] = [];
  /** The files those plugins came from (absolute): what worker threads load to build the same registry. */
  readonly pluginFiles: string[] = [];
  /** Origins whose classes worker threads cannot build: they load only the built-ins and plugin files. */
  private readonly threadOnlyOrigins = new Set<string>([LOCAL_ORIGIN]);

  constructor(readonly container: Container = new Container({ defaultScope: 'Transient' })) {
    for (const kind of STRATEGY_KINDS) this.entries.set(kind, new Map());
  }

  register(kind: StrategyKind, strategy: Newable<StrategyInfo>, origin = LOCAL_ORIGIN): RegisteredStrategy {
    if (!STRATEGY_KINDS.includes(kind)) throw new Error(`unknown strategy kind ${String(kind)}`);
    if (!this.container.isBound(strategy)) this.container.bind(strategy).toSelf();
    const probe = this.container.get(strategy);
    for (const field of ['name', 'version', 'description'] as const) {
      if (typeof probe[field] !== 'string' || probe[field] === '') {
        throw new Error(`${strategy.name || 'strategy class'} has no ${field}`);
      }
    }
    // Names are chosen from comma-separated flags (--strategies, --models): such a name could never be chosen.
    if (/[,\s]/.test(probe.name)) throw new Error(`${kind} name ${JSON.stringify(probe.name)} cannot contain a comma or whitespace (lists of names are comma-separated)`);
    const capabilities = probe.capabilities ?? [];
    if (!Array.isArray(capabilities) || !capabilities.every((capability) => typeof capability === 'string')) {
      throw new Error(`${probe.name}: capabilities must be a list of names`);
    }
    const existing = this.entries.get(kind)?.get(probe.name);
    if (existing) throw new Error(`${kind} "${probe.name}" is already registered by ${existing.origin}`);
    this.container.bind(TOKENS[kind]).toDynamicValue((context) => context.get(strategy)).whenNamed(probe.name);
    const entry: RegisteredStrategy = { kind, name: probe.name, version: probe.version, description: probe.description, origin, capabilities: [...capabilities] };
    this.entries.get(kind)?.set(probe.name, entry);
    return entry;
  }

  /**
   * A fresh instance of the named strategy; an unknown name lists the known
   * ones, and a plugin's constructor that throws (registration built one
   * instance, but each run builds its own) is bad input naming the plugin
   * by name@version, as a strategy that throws mid-run is.
   */
  resolve<T extends StrategyInfo>(kind: StrategyKind, name: string, field: string): T {
    const entry = this.entries.get(kind)?.get(name);
    if (!entry) throw unknownName(field, kind, name, [...(this.entries.get(kind)?.keys() ?? [])]);
    try {
      return this.container.get<T>(TOKENS[kind], { name });
    } catch (error) {
      if (entry.origin === BUILT_IN_ORIGIN) throw error;
      throw InputError.at('', `${kind} "${name}" from ${entry.origin} threw while running: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * The loaded plugins as every log header lists them: by name, then version,
   * so the order they were listed in (flags, scenario, config file) does not
   * change the log.
   */
  pluginStamps(): { readonly name: string; readonly version: string }[] {
    return [...this.plugins].sort((a, b) => byCodeUnits(a.name, b.name) || byCodeUnits(a.version, b.version));
  }

  /** Records a loaded plugin for log headers; one without a file (a plugin object) exists in this thread only. */
  addPlugin(plugin: { readonly name: string; readonly version: string }, file?: string): void {
    this.plugins.push(plugin);
    if (file === undefined) this.threadOnlyOrigins.add(`${plugin.name}@${plugin.version}`);
    else this.pluginFiles.push(file);
  }

  /** Whether this class exists in this thread only (registered by hand or by a plugin object): a worker thread would not know its name. */
  inThisThreadOnly(kind: StrategyKind, name: string): boolean {
    return this.threadOnlyOrigins.has(this.describe(kind, name).origin);
  }

  /** Whether any class exists in this thread only (never so for the CLI, which loads plugin files). */
  hasThreadOnlyClasses(): boolean {
    return this.list().some((entry) => this.threadOnlyOrigins.has(entry.origin));
  }

  describe(kind: StrategyKind, name: string, field: string = kind): RegisteredStrategy {
    const entry = this.entries.get(kind)?.get(name);
    if (!entry) throw unknownName(field, kind, name, [...(this.entries.get(kind)?.keys() ?? [])]);
    return entry;
  }

  list(): RegisteredStrategy[] {
    return STRATEGY_KINDS.flatMap((kind) => [...(this.entries.get(kind)?.values() ?? [])]);
  }
}
