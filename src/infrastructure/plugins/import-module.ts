/**
 * `import()` of a plugin file, kept in a module of its own: the CLI bundle
 * (scripts/bundle-cli.mjs) leaves this file out and requires the tsc output,
 * because V8 code compiled from a code cache loses Node's dynamic-import hook.
 */
export function importModule(url: string): Promise<unknown> {
  return import(url);
}
