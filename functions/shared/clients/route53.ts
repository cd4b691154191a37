import { Route53Client } from '@aws-sdk/client-route-53';
import { type ClientTuning, clientConfig } from './tuning.js';

/** Route 53's control plane lives in us-east-1 whatever region calls it. */
const ROUTE53_REGION = 'us-east-1';

export function route53Client(endpoint?: string, tuning?: ClientTuning): Route53Client {
  return new Route53Client(clientConfig(ROUTE53_REGION, endpoint, tuning));
}
