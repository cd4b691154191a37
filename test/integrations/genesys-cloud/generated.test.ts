// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform and Velocity templates, not JS template literals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { platformOrgSchema } from '../../../config/platform-schema.js';
import { CAPACITY_TOPICS } from '../../../functions/routing/capacity/partner-events.js';
import {
  CHECKED_IN_ENV,
  DATA_ACTIONS_MODULE_DIR,
  EVENTS_MODULE_DIR,
  generatedFiles,
  IMPORT_DIR,
  importFileName,
  resourceName,
} from '../../../integrations/genesys-cloud/data-actions/render.js';
import { DATA_ACTIONS } from '../../../integrations/genesys-cloud/data-actions/source.js';
import { filesUnder, type Hcl, parseTerraform, ROOT, unescapeTemplate } from './terraform-files.js';

const zone = loadConfig(CHECKED_IN_ENV).dns.zoneName;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('the generated Genesys Cloud kit', () => {
  it('names exactly the three actions the flows use', () => {
    expect(DATA_ACTIONS.map((a) => a.name).sort()).toEqual([
      'cc-continuity-fetch-context',
      'cc-continuity-resolve-queue',
      'cc-continuity-save-context',
    ]);
  });

  it('has checked in exactly what `npm run integrations:genesys` writes', () => {
    const expected = generatedFiles(zone);

    const onDisk = [
      ...filesUnder(join(ROOT, IMPORT_DIR), '.json'),
      ...filesUnder(join(ROOT, DATA_ACTIONS_MODULE_DIR), '.tf'),
      ...filesUnder(join(ROOT, EVENTS_MODULE_DIR), '.tf'),
    ];

    expect(onDisk).toEqual(Object.keys(expected).sort());
    for (const [path, content] of Object.entries(expected)) expect(read(path), path).toBe(content);
  });

  it('points every import file at https://api.<dns.zoneName>', () => {
    for (const action of DATA_ACTIONS) {
      const file = JSON.parse(read(importFileName(action)));
      expect(file.config.request.requestUrlTemplate.startsWith(`https://api.${zone}/`)).toBe(true);
    }
  });

  it('carries the same contracts and templates in the import JSON and in the Terraform module', async () => {
    const main = await parseTerraform(`${DATA_ACTIONS_MODULE_DIR}/main.tf`);
    const actions = (main.resource as Hcl).genesyscloud_integration_action as Record<string, Hcl[]>;

    for (const action of DATA_ACTIONS) {
      const json = JSON.parse(read(importFileName(action)));
      const tf = actions[resourceName(action)]?.[0] as Hcl;
      const request = (tf.config_request as Hcl[])[0] as Record<string, unknown>;
      const response = (tf.config_response as Hcl[])[0] as Record<string, unknown>;
      const templates = (map: unknown) =>
        Object.fromEntries(
          Object.entries(map as Record<string, string>).map(([k, v]) => [k, unescapeTemplate(v)]),
        );
      const contract = (expression: unknown) =>
        JSON.parse(
          unescapeTemplate(String(expression))
            .replace(/^\$\{jsonencode\(/, '')
            .replace(/\)\}$/, ''),
        );

      expect(tf.name).toBe(json.name);
      expect({
        requestUrlTemplate: unescapeTemplate(String(request.request_url_template)).replace(
          '${var.api_zone}',
          zone,
        ),
        requestType: request.request_type,
        headers: templates(request.headers),
        requestTemplate: unescapeTemplate(String(request.request_template)),
      }).toEqual(json.config.request);
      expect({
        translationMap: templates(response.translation_map),
        translationMapDefaults: templates(response.translation_map_defaults),
        successTemplate: unescapeTemplate(String(response.success_template)),
      }).toEqual(json.config.response);
      expect(contract(tf.contract_input)).toEqual(json.contract.input.inputSchema);
      expect(contract(tf.contract_output)).toEqual(json.contract.output.successSchema);
    }
  });

  it('subscribes the EventBridge integration to exactly the topics capacity ingest reads', async () => {
    const main = await parseTerraform(`${EVENTS_MODULE_DIR}/main.tf`);
    const integration = ((main.resource as Hcl).genesyscloud_integration as Record<string, Hcl[]>)
      .eventbridge?.[0] as Hcl;
    const properties = String(((integration.config as Hcl[])[0] as Hcl).properties);

    const topics = [...properties.matchAll(/"(v2\.[^"]+)"/g)].map((m) => m[1]);

    expect(topics).toEqual(Object.values(CAPACITY_TOPICS));
  });

  it('outputs a partner event source name that config platform.orgs[].eventSourceName accepts', async () => {
    const outputs = await parseTerraform(`${EVENTS_MODULE_DIR}/outputs.tf`);
    const template = String(((outputs.output as Hcl).event_source_name as Hcl[])[0]?.value);
    const name = template
      .replace('${var.organization_id}', '11111111-1111-1111-1111-111111111111')
      .replace('${var.event_source_suffix}', 'cc-continuity');

    const parsed = platformOrgSchema.safeParse({
      name: 'east',
      regionHost: 'mypurecloud.com',
      eventSourceName: name,
    });

    expect(name).toBe('aws.partner/genesys.com/cloud/11111111-1111-1111-1111-111111111111/cc-continuity');
    expect(parsed.success).toBe(true);
  });
});
