import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { contextCacheKeys, crmEventKeys } from '../../functions/shared/keys.js';
import { secretNames, tableNames } from '../../functions/shared/names.js';
import { lambdaEnvironment } from '../../functions/shared/runtime-config.js';
import { API_ROUTES, type ApiRoute, routeKey, routeThrottles } from './api-routes.js';
import { ContinuityFunction } from './continuity-function.js';
import { allowItems, grantPutEvents, keyFamily } from './grants.js';
import { secretFallbackAlarm } from './secret-fallback-alarm.js';

export interface ContextApiProps {
  readonly config: ContinuityConfig;
  /** This region's continuity bus: `GET /contexts/{token}` announces `ContextReconstructed` on it. */
  readonly bus: events.IEventBus;
  /** The other active region, whose ContextCache replica a young token may be read from. */
  readonly peerRegion: string;
  /**
   * How long the access logs are kept.
   * @default - one month
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** The public name of the API in every region; the Dns stack puts one latency record per region on it. */
export function apiDomainName(config: ContinuityConfig): string {
  return `api.${config.dns.zoneName}`;
}

/**
 * The context API of one active region (DESIGN.md section 5): an HTTP API with one Lambda function per
 * route, a throttle per route from `config.api.routes` (the stage default for any other), access logs
 * without the token-bearing path, and the custom domain `api.<zone>` with a DNS-validated certificate.
 * The execute-api endpoint is disabled: callers use the one latency-routed name and never a region.
 *
 * Each function gets exactly the table actions, item keys and secrets of its route: POST reads and
 * writes `CTX#` items of ContextCache here; GET reads them here and in the peer region, queries `CONV#`
 * partitions of CrmEvents here and puts `ContextReconstructed` on this region's bus; the webhook writes
 * `CRMEVT#` markers and `CONV#` events of CrmEvents here and reads markers back. Tables and secrets are
 * found by their deterministic names (they live in the Data stack, replicated to this region). Each
 * function that reads a rotatable secret has an alarm on serving with a last good value.
 *
 * @example
 * const api = new ContextApi(this, 'ContextApi', { config, bus: this.bus.bus, peerRegion: this.peerRegion });
 * api.domain.regionalDomainName; // target of the Dns stack's latency record
 */
export class ContextApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly domain: apigwv2.DomainName;
  public readonly certificate: acm.Certificate;
  public readonly createFunction: ContinuityFunction;
  public readonly getFunction: ContinuityFunction;
  public readonly webhookFunction: ContinuityFunction;
  /** One per function: it served with a last good secret value (a bad rotation or Secrets Manager out of reach). */
  public readonly secretFallbackAlarms: readonly cloudwatch.Alarm[];
  private readonly routeSettings: Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  > = {};
  private readonly throttles: ReturnType<typeof routeThrottles>;

  constructor(scope: Construct, id: string, props: ContextApiProps) {
    super(scope, id);
    const { config, peerRegion } = props;
    this.throttles = routeThrottles(config);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error(`ContextApi ${this.node.path} needs a stack with a concrete region (env: { region })`);
    }
    if (peerRegion === stack.region || !config.regions.active.includes(peerRegion)) {
      throw new Error(
        `ContextApi peerRegion ${peerRegion} must be the other active region (${config.regions.active.join(', ')})`,
      );
    }
    const names = tableNames(config.env);
    const secrets = secretNames(config.env);
    const tableArn = (table: string, region = stack.region) =>
      stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: table });
    const secret = (sid: string, name: string) => secretsmanager.Secret.fromSecretNameV2(this, sid, name);
    const apiKeys = secret('ApiKeysSecret', secrets.apiKeys);
    const tokenKey = secret('TokenKeySecret', secrets.tokenKey);
    const webhookSecret = secret('CrmWebhookSecret', secrets.crmWebhook);
    const environment = lambdaEnvironment(config, { sections: ['context'] });
    const contexts = [keyFamily(contextCacheKeys.context('c').pk)];
    const markers = [keyFamily(crmEventKeys.idempotency('e').pk)];
    const conversations = [keyFamily(crmEventKeys.conversation('c').pk)];

    this.createFunction = new ContinuityFunction(this, 'CreateContext', {
      entry: 'functions/context/handlers/create-context.ts',
      serviceName: 'context-create',
      description: 'POST /contexts: saves a transfer context and issues its token',
      environment,
    });
    // Contexts only: the HB#<region> heartbeats beside them drive lag exclusion and are the monitor's.
    allowItems(
      this.createFunction,
      ['dynamodb:GetItem', 'dynamodb:PutItem'],
      [tableArn(names.contextCache)],
      contexts,
    );
    apiKeys.grantRead(this.createFunction);
    tokenKey.grantRead(this.createFunction);

    this.getFunction = new ContinuityFunction(this, 'GetContext', {
      entry: 'functions/context/handlers/get-context.ts',
      serviceName: 'context-get',
      description: 'GET /contexts/{token}: serves a context from this replica, the origin, or CRM events',
      environment,
    });
    allowItems(
      this.getFunction,
      ['dynamodb:GetItem'],
      [tableArn(names.contextCache), tableArn(names.contextCache, peerRegion)],
      contexts,
    );
    allowItems(this.getFunction, ['dynamodb:Query'], [tableArn(names.crmEvents)], conversations);
    // It handles untrusted input: it may announce a reconstruction, never a vote or a rotation.
    grantPutEvents(this.getFunction, props.bus);
    apiKeys.grantRead(this.getFunction);
    tokenKey.grantRead(this.getFunction);

    this.webhookFunction = new ContinuityFunction(this, 'CrmWebhook', {
      entry: 'functions/context/handlers/crm-webhook.ts',
      serviceName: 'crm-webhook',
      description: 'POST /webhooks/crm: verifies, deduplicates and stores CRM events',
      environment,
    });
    // The idempotency marker and the event are written in one TransactWriteItems of two Puts; after a
    // TransactionConflict the marker is read back to answer `duplicate`.
    allowItems(
      this.webhookFunction,
      ['dynamodb:PutItem'],
      [tableArn(names.crmEvents)],
      [...markers, ...conversations],
    );
    allowItems(this.webhookFunction, ['dynamodb:GetItem'], [tableArn(names.crmEvents)], markers);
    webhookSecret.grantRead(this.webhookFunction);
    this.secretFallbackAlarms = [this.createFunction, this.getFunction, this.webhookFunction].map((fn) =>
      secretFallbackAlarm(this, fn, config.env),
    );

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: apiDomainName(config),
      validation: acm.CertificateValidation.fromDns(zone),
    });
    this.domain = new apigwv2.DomainName(this, 'Domain', {
      domainName: apiDomainName(config),
      certificate: this.certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: `cc-continuity ${config.env} context API (${stack.region})`,
      createDefaultStage: false,
      disableExecuteApiEndpoint: true,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // The default route settings: the limit of a route without its own entry in config.api.routes.
      throttle: { rateLimit: config.api.throttleRateLimit, burstLimit: config.api.throttleBurstLimit },
      domainMapping: { domainName: this.domain },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // The route key, never the path: the path of GET /contexts/{token} carries the token.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            sourceIp: '$context.identity.sourceIp',
            responseLatency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            requestTime: '$context.requestTime',
          }),
        ),
      },
    });

    // Per-route throttles, so a flood on one route (answered 401 or not) cannot starve the others:
    // each route's entry joins the stage's settings when the route is added (a setting for a route key
    // that does not exist fails the deployment).
    (this.stage.node.defaultChild as apigwv2.CfnStage).routeSettings = this.routeSettings;
    this.addRoute(API_ROUTES.contextsSave, this.createFunction);
    this.addRoute(API_ROUTES.contextsRead, this.getFunction);
    this.addRoute(API_ROUTES.crmWebhook, this.webhookFunction);
  }

  /**
   * Puts `fn` behind `route` (one of API_ROUTES, whose throttle the stage already carries). Every route
   * authorizes in its function: a bearer API key with the route's scope, or the CRM webhook signature.
   */
  addRoute(route: ApiRoute, fn: ContinuityFunction): void {
    const stage = this.stage.node.defaultChild as apigwv2.CfnStage;
    const throttle = this.throttles[routeKey(route)];
    if (throttle === undefined)
      throw new Error(`no throttle for ${routeKey(route)}; add the route to API_ROUTES`);
    this.routeSettings[routeKey(route)] = throttle;
    const added = this.api.addRoutes({
      path: route.path,
      methods: [route.method],
      integration: new HttpLambdaIntegration(`${fn.node.id}Integration`, fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    for (const r of added) {
      // Route settings name route keys: the routes must exist before the stage that throttles them.
      stage.node.addDependency(r);
      Validations.of(r).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Authorization is done in the function before any other work: /contexts and /routing routes require a bearer ' +
          'API key with the route scope from Secrets Manager (constant-time compare, two keys valid for rotation); ' +
          '/webhooks/crm requires an HMAC-SHA256 signature over timestamp and raw body with a 300 s replay window. ' +
          'Both answer 401 otherwise.',
      });
    }
  }
}
