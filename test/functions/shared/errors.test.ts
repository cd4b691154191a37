import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  Conflict,
  Forbidden,
  type HttpError,
  InternalError,
  invalidInput,
  NotFound,
  PayloadTooLarge,
  publicError,
  ServiceUnavailable,
  Unauthorized,
  UnsupportedMediaType,
} from '../../../functions/shared/errors.js';

describe('HTTP errors', () => {
  it.each([
    [new BadRequest('m'), 400, 'bad_request', 'BadRequest'],
    [new Unauthorized('m'), 401, 'unauthorized', 'Unauthorized'],
    [new Forbidden('m'), 403, 'forbidden', 'Forbidden'],
    [new NotFound('m'), 404, 'not_found', 'NotFound'],
    [new Conflict('m'), 409, 'conflict', 'Conflict'],
    [new PayloadTooLarge('m'), 413, 'payload_too_large', 'PayloadTooLarge'],
    [new UnsupportedMediaType('m'), 415, 'unsupported_media_type', 'UnsupportedMediaType'],
    [new ServiceUnavailable('m'), 503, 'service_unavailable', 'ServiceUnavailable'],
    [new InternalError(), 500, 'internal', 'InternalError'],
  ] as [HttpError, number, string, string][])('maps %s to %i %s', (error, status, code, name) => {
    // Act
    const answer = publicError(error);

    // Assess
    expect(error.name).toBe(name);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('keeps a custom code and the cause out of the public view', () => {
    // Prepare
    const error = new Unauthorized('the token has expired', {
      code: 'token_expired',
      cause: new Error('db secret'),
    });

    // Act
    const answer = publicError(error);

    // Assess
    expect(answer.body).toEqual({ error: { code: 'token_expired', message: 'the token has expired' } });
    expect(JSON.stringify(answer)).not.toContain('db secret');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([[new Error('pg password=x')], ['thrown string'], [undefined]])(
    'answers %s as a generic 500',
    (thrown) => {
      expect(publicError(thrown)).toEqual({
        status: 500,
        body: { error: { code: 'internal', message: 'internal error' } },
        headers: {},
      });
    },
  );
});

describe('invalidInput', () => {
  const problems = (n: number) => Array.from({ length: n }, (_, i) => `body.items.${i}: expected number`);

  it.each([
    [1, 1, undefined],
    [10, 10, undefined],
    [11, 10, 1],
    [500, 10, 490],
  ])('lists %i problems as %i and omits %s', (count, listed, omitted) => {
    // Act
    const { body, status } = publicError(invalidInput(problems(count), 'invalid_body'));

    // Assess
    expect(status).toBe(400);
    expect(body.error.omitted).toBe(omitted);
    expect(body.error.message.split('; ')).toHaveLength(listed + (omitted === undefined ? 0 : 1));
    if (omitted !== undefined) {
      expect(body.error.message).toContain(`; and ${omitted} more ${omitted === 1 ? 'problem' : 'problems'}`);
    }
  });

  it.each([
    ['letters', 'x'],
    ['quotes', '"'],
    ['control characters', '\u0001'],
  ])('keeps the answer under 5 KB whatever the problems say, %s included', (_name, char) => {
    // Act
    const { body } = publicError(invalidInput(Array(1000).fill(char.repeat(5000)), 'invalid_body'));

    // Assess
    expect(JSON.stringify(body).length).toBeLessThan(5000);
  });
});
