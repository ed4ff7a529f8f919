import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PackageInfo {
  readonly name?: string;
  readonly version?: string;
}

/** The nearest package.json above a file (a plugin's, or virtsim's own): `{}` when there is none or it is not JSON. */
export function nearestPackageInfo(file: string): PackageInfo {
  let directory = dirname(file);
  for (;;) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) {
      try {
        return JSON.parse(readFileSync(candidate, 'utf8')) as PackageInfo;
      } catch {
        return {};
      }
    }
    const parent = dirname(directory);
    if (parent === directory) return {};
    directory = parent;
  }
}
