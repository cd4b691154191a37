import { RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { stackNames, tableNames } from '../../functions/shared/names.js';
import { AlarmNotifications } from '../constructs/alarm-notifications.js';
import { API_ROUTES } from '../constructs/api-routes.js';
import { Capacity } from '../constructs/capacity.js';
import { ContextApi } from '../constructs/context-api.js';
import { type BusForwarding, ContinuityBus } from '../constructs/continuity-bus.js';
import { HealthMonitor } from '../constructs/health-monitor.js';
import { OauthRefresher } from '../constructs/oauth-refresher.js';
import { Quorum } from '../constructs/quorum.js';
import { RoutingResolve } from '../constructs/routing-resolve.js';
import { isDisposableEnv } from './data-stack.js';

export interface RegionStackProps extends StackProps {
  readonly config: ContinuityConfig;
  /** The active region this stack serves; must be one of `config.regions.active`. */
  readonly region: string;
}

/**
 * Everything one active region runs (DESIGN.md section 1). For now: the event bus with
 * its archive and the rule that forwards this region's events to the peer region.
 * Nothing is exported: functions find tables and buses by name (functions/shared/names.ts).
 *
 * @example
 * const east = new RegionStack(app, 'Region-us-east-1', { config, region: 'us-east-1' });
 */
export class RegionStack extends Stack {
  public readonly bus: ContinuityBus;
  /** The other active region. */
  public readonly peerRegion: string;
  public readonly forwarding: BusForwarding;
  /** The SIP health monitor of this region (its SIP-health alarm is `alarmNames(env).sipHealth(region)`). */
  public readonly healthMonitor: HealthMonitor;
  /** The context API (POST/GET /contexts, POST /webhooks/crm) of this region. */
  public readonly contextApi: ContextApi;
  /** `api.<zone>` in this region: the Dns stack's latency record targets its regionalDomainName / regionalHostedZoneId. */
  public readonly apiDomain: apigwv2.DomainName;
  /** Quorum function and the health endpoint Route 53 checks (the Dns stack reads `quorum.healthUrl`). */
  public readonly quorum: Quorum;
  /** Keeps each platform org's OAuth token fresh (one refresher per active region, a lease per org). */
  public readonly oauthRefresher: OauthRefresher;
  /** Capacity ingest (the org's partner event bus, when configured) and reconciliation of this region. */
  public readonly capacity: Capacity;
  /** `POST /routing/resolve` (on the context API) and the sweep of expired answers. */
  public readonly routing: RoutingResolve;
  /** The region's alert topic: every alarm of the stack notifies it on ALARM and OK. */
  public readonly alerts: AlarmNotifications;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    const { config, region, ...stackProps } = props;
    const [a, b] = config.regions.active;
    if (region !== a && region !== b) {
      throw new Error(`RegionStack region ${region} is not an active region (${a}, ${b}); use one of them`);
    }
    super(scope, id, {
      ...stackProps,
      stackName: props.stackName ?? stackNames(config.env).region(region),
      env: props.env ?? { account: config.account, region },
      description: props.description ?? `cc-continuity ${config.env}: active region ${region}`,
      // The Dns stack (us-east-1) reads this region's health endpoint URL.
      crossRegionReferences: props.crossRegionReferences ?? true,
    });
    if (!Token.isUnresolved(this.region) && this.region !== region) {
      throw new Error(`RegionStack for ${region} was given env.region ${this.region}; they must be the same`);
    }
    this.peerRegion = region === a ? b : a;
    this.bus = new ContinuityBus(this, 'Events', { env: config.env });
    this.forwarding = this.bus.forwardTo(this.peerRegion);
    const tables = tableNames(config.env);
    this.healthMonitor = new HealthMonitor(this, 'HealthMonitor', {
      config,
      bus: this.bus.bus,
      leaseTable: dynamodb.TableV2.fromTableName(this, 'MonitorControlState', tables.controlState),
      contextCache: dynamodb.TableV2.fromTableName(this, 'MonitorContextCache', tables.contextCache),
    });
    this.contextApi = new ContextApi(this, 'ContextApi', {
      config,
      bus: this.bus.bus,
      peerRegion: this.peerRegion,
    });
    this.apiDomain = this.contextApi.domain;
    this.quorum = new Quorum(this, 'Quorum', { config, bus: this.bus.bus });
    this.oauthRefresher = new OauthRefresher(this, 'OauthRefresher', { config, bus: this.bus.bus });
    this.capacity = new Capacity(this, 'Capacity', { config, bus: this.bus.bus });
    this.routing = new RoutingResolve(this, 'Routing', { config });
    this.contextApi.addRoute(API_ROUTES.routingResolve, this.routing.resolveFunction);
    this.alerts = new AlarmNotifications(this, 'Alerts', {
      env: config.env,
      emails: config.alarms.notifyEmails,
      removalPolicy: isDisposableEnv(config) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
