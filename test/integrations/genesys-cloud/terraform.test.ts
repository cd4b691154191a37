import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { filesUnder, type Hcl, parseTerraform, TERRAFORM_DIR } from './terraform-files.js';

/**
 * What the `genesyscloud` provider documents, per resource: `true` for an argument (a map argument
 * too), a nested object for a block. Source: MyPureCloud/terraform-provider-genesyscloud @
 * f955430e6bd4c0b56708d3abc06fb25a1e9031b7, docs/resources/<name>.md, section "Schema".
 */
type Allowed = { readonly [name: string]: true | Allowed };

const PROVIDER_RESOURCES: Readonly<Record<string, Allowed>> = {
  // docs/resources/integration.md
  genesyscloud_integration: {
    integration_type: true,
    intended_state: true,
    config: { advanced: true, credentials: true, name: true, notes: true, properties: true },
  },
  // docs/resources/integration_credential.md
  genesyscloud_integration_credential: { credential_type_name: true, fields: true, name: true },
  // docs/resources/integration_action.md
  genesyscloud_integration_action: {
    category: true,
    contract_input: true,
    contract_output: true,
    integration_id: true,
    name: true,
    config_request: { request_type: true, headers: true, request_template: true, request_url_template: true },
    config_response: { success_template: true, translation_map: true, translation_map_defaults: true },
    config_timeout_seconds: true,
    secure: true,
  },
};

/** Terraform's own top-level blocks these modules use (developer.hashicorp.com/terraform/language). */
const TOP_LEVEL = new Set(['terraform', 'variable', 'output', 'resource']);

/** Every reference in `hcl` to a resource type or attribute the provider does not document. */
function undocumented(hcl: Hcl): string[] {
  const problems: string[] = [];
  const check = (body: Hcl, allowed: Allowed, at: string) => {
    for (const [name, value] of Object.entries(body)) {
      const rule = allowed[name];
      if (rule === undefined) problems.push(`${at}.${name}`);
      else if (rule !== true) {
        for (const [i, block] of (Array.isArray(value) ? value : [value]).entries()) {
          check(block as Hcl, rule, `${at}.${name}[${i}]`);
        }
      }
    }
  };
  for (const key of Object.keys(hcl)) if (!TOP_LEVEL.has(key)) problems.push(key);
  for (const [type, byName] of Object.entries(
    (hcl.resource ?? {}) as Record<string, Record<string, Hcl[]>>,
  )) {
    const allowed = PROVIDER_RESOURCES[type];
    if (allowed === undefined) {
      problems.push(type);
      continue;
    }
    for (const [name, blocks] of Object.entries(byName)) {
      for (const block of blocks) check(block, allowed, `${type}.${name}`);
    }
  }
  return problems;
}

const files = filesUnder(TERRAFORM_DIR, '.tf');

describe('the Genesys Cloud Terraform modules', () => {
  it('has the modules the kit ships', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'integrations/genesys-cloud/terraform/data-actions/main.tf',
        'integrations/genesys-cloud/terraform/events/main.tf',
      ]),
    );
  });

  it.each(files)('%s parses and uses only what the provider documents', async (path) => {
    const hcl = await parseTerraform(path);

    expect(undocumented(hcl)).toEqual([]);
  });

  it('rejects a resource type or an attribute the provider does not document', async () => {
    const hcl = (await parse(
      'bad.tf',
      [
        'resource "genesyscloud_integration_action" "a" {',
        '  name = "x"',
        '  timeout = 5',
        '  config_request {',
        '    request_type = "GET"',
        '    query = "q"',
        '  }',
        '}',
        'resource "genesyscloud_data_action" "b" {}',
      ].join('\n'),
    )) as Hcl;

    expect(undocumented(hcl).sort()).toEqual([
      'genesyscloud_data_action',
      'genesyscloud_integration_action.a.config_request[0].query',
      'genesyscloud_integration_action.a.timeout',
    ]);
  });

  it('rejects a file that does not parse', async () => {
    await expect(parse('broken.tf', 'resource "genesyscloud_integration" {\n')).rejects.toThrow();
  });
});
