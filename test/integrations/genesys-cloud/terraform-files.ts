import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const TERRAFORM_DIR = join(ROOT, 'integrations', 'genesys-cloud', 'terraform');

/** Every file under `dir` whose name ends with `suffix`, as paths relative to the repository. */
export function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => relative(ROOT, join(dir, name)))
    .sort();
}

export type Hcl = Record<string, unknown>;

/** A .tf file as Terraform's JSON syntax (blocks are lists of objects; `${` stays escaped as `$${`). */
export async function parseTerraform(path: string): Promise<Hcl> {
  return (await parse(path, readFileSync(join(ROOT, path), 'utf8'))) as Hcl;
}

/** A quoted HCL string as the template it holds. */
export function unescapeTemplate(value: string): string {
  return value.replaceAll('$${', '${').replaceAll('%%{', '%{');
}
