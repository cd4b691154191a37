import type { ContinuityConfig } from '../../config/schema.js';

/** One EventBridge rule as synthesized, reduced to what the local bus needs. */
export interface SynthesizedRule {
  /** Construct path of the rule, e.g. `Continuity-dev-Region-us-east-1/Quorum/Inputs/Resource`. */
  readonly path: string;
  readonly region: string;
  /**
   * `custom`: the project's bus in `region`; `default`: the region's default bus (alarms, schedules);
   * `partner`: a partner event bus (an `AWS::Events::EventBus` with an `EventSourceName`: the
   * platform's events).
   */
  readonly bus: RuleBus;
  /** Absent for schedule rules. */
  readonly pattern?: Record<string, unknown>;
  readonly schedule?: string;
  readonly targets: readonly RuleTarget[];
}

export type RuleBus = 'custom' | 'default' | 'partner';

export type RuleTarget =
  /** Construct path of the target function, e.g. `Continuity-dev-Region-us-east-1/Quorum/Function`. */
  | { readonly kind: 'function'; readonly path: string }
  /** Forwarding to the same-named bus in another region. */
  | { readonly kind: 'bus'; readonly region: string };

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/**
 * The rules of every active region's and the witness's stack, from a synthesis of the app without bundling (the rules'
 * patterns are what matter here, not the code), so the local bus routes exactly as the stacks do.
 */
export async function synthesizedRules(config: ContinuityConfig): Promise<SynthesizedRule[]> {
  const [{ App }, { buildContinuityApp }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../lib/app-builder.js'),
  ]);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
  const { regions, witness } = buildContinuityApp(app, config);
  const assembly = app.synth();
  return [...regions, witness].flatMap((stack) => {
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, Resource>;
    };
    return rulesOfTemplate(template.Resources, stack.region);
  });
}

export function rulesOfTemplate(resources: Record<string, Resource>, region: string): SynthesizedRule[] {
  /** A rule's bus: none named is the default bus; a Ref to a bus with an event source is a partner bus. */
  const busOf = (name: unknown): RuleBus => {
    if (name === undefined) return 'default';
    const ref = (name as { Ref?: unknown } | null)?.Ref;
    const bus = typeof ref === 'string' ? resources[ref] : undefined;
    return bus?.Type === 'AWS::Events::EventBus' && bus.Properties?.EventSourceName !== undefined
      ? 'partner'
      : 'custom';
  };
  const pathOf = (logicalId: string) => {
    const path = String(resources[logicalId]?.Metadata?.['aws:cdk:path'] ?? logicalId);
    return path.replace(/\/Resource$/, '');
  };
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .map((r) => {
      const p = r.Properties ?? {};
      const targets = ((p.Targets ?? []) as { Arn: unknown }[]).map((t): RuleTarget => {
        const arn = JSON.stringify(t.Arn);
        const fn = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(arn);
        if (fn?.[1]) return { kind: 'function', path: pathOf(fn[1]) };
        const bus = /:events:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(arn);
        if (bus?.[1]) return { kind: 'bus', region: bus[1] };
        throw new Error(`local bus: unsupported rule target ${arn}`);
      });
      return {
        path: String(r.Metadata?.['aws:cdk:path'] ?? ''),
        region,
        bus: busOf(p.EventBusName),
        ...(p.EventPattern ? { pattern: p.EventPattern as Record<string, unknown> } : {}),
        ...(typeof p.ScheduleExpression === 'string' ? { schedule: p.ScheduleExpression } : {}),
        targets,
      } satisfies SynthesizedRule;
    });
}
