import {
  CANCEL_MARKER_TTL_S,
  cancelMarkerKey,
  controlChannel,
  encodeCancelMarker,
  parseCancelMarker,
  parseControlMessage,
} from './worker-control';

// The control channel's wire format: what one process publishes, another must read back the same,
// and anything else on the channel (a bad client, an old version) must be ignored rather than acted on.

describe('control messages', () => {
  it('names one channel per prefix', () => {
    expect(controlChannel('app')).toBe('app:nestjs-jobs:control');
    expect(controlChannel('{app}')).not.toBe(controlChannel('app'));
  });

  it.each([
    [{ type: 'concurrency', queue: 'reports', concurrency: 4 }],
    [
      {
        type: 'cancel',
        id: '42',
        reason: 'operator pressed stop',
        createdAt: 1_700_000_000_000,
      },
    ],
  ])('reads back what was published: %j', (message) => {
    expect(parseControlMessage(JSON.stringify(message))).toEqual(message);
  });

  it('reads a cancel without reason or creation time, and drops fields of the wrong type', () => {
    expect(parseControlMessage('{"type":"cancel","id":"7"}')).toEqual({
      type: 'cancel',
      id: '7',
      reason: undefined,
      createdAt: undefined,
    });
    expect(
      parseControlMessage(
        '{"type":"cancel","id":"7","reason":42,"createdAt":"soon"}',
      ),
    ).toEqual({
      type: 'cancel',
      id: '7',
      reason: undefined,
      createdAt: undefined,
    });
  });

  it('keeps only the known fields', () => {
    expect(
      parseControlMessage(
        '{"type":"concurrency","queue":"q","concurrency":2,"extra":"x"}',
      ),
    ).toEqual({ type: 'concurrency', queue: 'q', concurrency: 2 });
  });

  it.each([
    ['not JSON', 'concurrency q 4'],
    ['JSON null', 'null'],
    ['an array', '[1,2]'],
    ['an unknown type', '{"type":"restart"}'],
    ['concurrency 0', '{"type":"concurrency","queue":"q","concurrency":0}'],
    [
      'a negative concurrency',
      '{"type":"concurrency","queue":"q","concurrency":-1}',
    ],
    [
      'a fractional concurrency',
      '{"type":"concurrency","queue":"q","concurrency":1.5}',
    ],
    [
      'a concurrency as a string',
      '{"type":"concurrency","queue":"q","concurrency":"4"}',
    ],
    ['a concurrency without queue', '{"type":"concurrency","concurrency":4}'],
    ['a cancel without id', '{"type":"cancel","reason":"x"}'],
    ['a cancel with a numeric id', '{"type":"cancel","id":7}'],
  ])('ignores %s', (_what, raw) => {
    expect(parseControlMessage(raw)).toBeUndefined();
  });
});

describe('cancel markers', () => {
  it('are keyed under the queue prefix (its cluster hash slot), apart from BullMQ job keys', () => {
    expect(cancelMarkerKey('{app}', 'reports', '17')).toBe(
      '{app}:nestjs-jobs:cancelled:reports:17',
    );
    expect(
      cancelMarkerKey('{app}', 'reports', '17').startsWith('{app}:reports:'),
    ).toBe(false);
  });

  it('last as long as failed jobs are kept by default (7 days)', () => {
    expect(CANCEL_MARKER_TTL_S).toBe(604_800);
  });

  it('read back what was written, with or without a reason', () => {
    expect(
      parseCancelMarker(
        encodeCancelMarker({ createdAt: 1_000, reason: 'stop' }),
      ),
    ).toEqual({ createdAt: 1_000, reason: 'stop' });
    expect(parseCancelMarker(encodeCancelMarker({ createdAt: 1_000 }))).toEqual(
      { createdAt: 1_000, reason: undefined },
    );
  });

  it.each([
    ['no marker', null],
    ['an empty string', ''],
    ['not JSON', 'cancelled'],
    ['no creation time', '{"reason":"x"}'],
    ['a creation time that is not a number', '{"createdAt":"yesterday"}'],
    ['JSON null', 'null'],
  ])('ignore %s', (_what, raw) => {
    expect(parseCancelMarker(raw)).toBeUndefined();
  });

  it('drop a reason that is not a string', () => {
    expect(parseCancelMarker('{"createdAt":5,"reason":{"x":1}}')).toEqual({
      createdAt: 5,
      reason: undefined,
    });
  });
});
