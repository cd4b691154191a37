import { describe, expect, it } from 'vitest';
import { type HttpRoute, matchRoute } from '../../../local/aws/http-front.js';

const route = (routeKey: string): HttpRoute => ({
  routeKey,
  invoke: async () => ({ ok: true, value: routeKey }),
});

const api = [
  route('POST /contexts'),
  route('GET /contexts/{token}'),
  route('POST /webhooks/crm'),
  route('ANY /files/{proxy+}'),
];
const withDefault = [...api, route('$default')];

describe('matchRoute', () => {
  it.each([
    ['an exact route', 'POST', '/contexts', 'POST /contexts', {}],
    ['a {token} parameter', 'GET', '/contexts/abc-123', 'GET /contexts/{token}', { token: 'abc-123' }],
    [
      'a URL-encoded parameter, decoded',
      'GET',
      '/contexts/a%2Fb%20c',
      'GET /contexts/{token}',
      { token: 'a/b c' },
    ],
    ['a {proxy+} parameter', 'GET', '/files/report.pdf', 'ANY /files/{proxy+}', { proxy: 'report.pdf' }],
    ['an ANY route for any method', 'DELETE', '/files/x', 'ANY /files/{proxy+}', { proxy: 'x' }],
    [
      'a greedy {proxy+} over several segments',
      'GET',
      '/files/a/b%20c',
      'ANY /files/{proxy+}',
      { proxy: 'a/b c' },
    ],
  ])('matches %s', (_, method, path, routeKey, params) => {
    // Act
    const match = matchRoute(withDefault, method, path);
    // Assess
    expect(match?.route.routeKey).toBe(routeKey);
    expect(match?.params).toEqual(params);
  });

  it.each([
    ['the method differs', 'GET', '/contexts'],
    ['a parameter segment is empty', 'GET', '/contexts/'],
    ['the path has more segments', 'GET', '/contexts/abc/extra'],
    ['the path is unknown', 'PUT', '/nowhere'],
  ])('falls back to $default when %s', (_, method, path) => {
    // Act
    const match = matchRoute(withDefault, method, path);
    // Assess
    expect(match?.route.routeKey).toBe('$default');
    expect(match?.params).toEqual({});
  });

  it.each([
    ['the method differs', 'GET', '/webhooks/crm'],
    ['the path is unknown', 'POST', '/contexts/abc'],
    ['the path is the root', 'GET', '/'],
  ])('matches nothing when %s and there is no $default', (_, method, path) => {
    // Act
    const match = matchRoute(api, method, path);
    // Assess
    expect(match).toBeUndefined();
  });

  it('prefers a matching route over $default listed before it', () => {
    // Prepare
    const routes = [route('$default'), route('POST /contexts')];
    // Act
    const match = matchRoute(routes, 'POST', '/contexts');
    // Assess
    expect(match?.route.routeKey).toBe('POST /contexts');
  });

  it('answers every request with the $default route alone (a function URL)', () => {
    // Act
    const match = matchRoute([route('$default')], 'GET', '/health/deep');
    // Assess
    expect(match?.route.routeKey).toBe('$default');
  });
});
