import { Duration, RolloutPolicy, SpecResolver } from '../../lib';
import { SAGEMAKER_CAPABILITIES } from '../../constructs/aws/capabilities';
import { GUARDRAIL_DEFAULTS } from '../../lib/guardrails';

describe('RolloutPolicy header route and shadow phase', () => {
  test('a header route and a shadow phase are kept as given', () => {
    const p = RolloutPolicy.canary({ headerRoute: { headerName: 'x-canary', headerValue: 'true' }, shadowTrafficPercent: 20, shadowDuration: Duration.hours(24) });
    expect(p.headerRoute).toEqual({ headerName: 'x-canary', headerValue: 'true' });
    expect(p.shadowTrafficPercent).toBe(20);
    expect(p.shadowDuration!.toSeconds()).toBe(86_400);
  });

  test('the shadow lasts an hour unless told otherwise; no shadow, no duration', () => {
    expect(RolloutPolicy.canary({ shadowTrafficPercent: 10 }).shadowDuration!.toSeconds()).toBe(3600);
    expect(RolloutPolicy.canary().shadowDuration).toBeUndefined();
  });

  test.each([
    ['a duration without a shadow', () => RolloutPolicy.canary({ shadowDuration: Duration.hours(2) }), /shadowDuration: got 2h; allowed: only with shadowTrafficPercent/],
    ['a shadow of 30 s', () => RolloutPolicy.canary({ shadowTrafficPercent: 10, shadowDuration: Duration.seconds(30) }), /shadowDuration: got 30s; allowed: whole seconds from 1 minute to 24 hours/],
    ['a header name with a space', () => RolloutPolicy.canary({ headerRoute: { headerName: 'x canary', headerValue: 'true' } }), /headerRoute\.headerName: got "x canary"; allowed: an HTTP header name/],
    ['the Host header', () => RolloutPolicy.canary({ headerRoute: { headerName: 'Host', headerValue: 'a' } }), /headerRoute\.headerName: got "Host".*not Host/],
    ['an empty header value', () => RolloutPolicy.canary({ headerRoute: { headerName: 'x-canary', headerValue: '' } }), /headerRoute\.headerValue: got ""; allowed: visible ASCII/],
    ['a header value with a newline', () => RolloutPolicy.canary({ headerRoute: { headerName: 'x-canary', headerValue: 'a\nb' } }), /headerRoute\.headerValue/],
  ])('refused: %s', (_, fn, re) => {
    expect(fn).toThrow(re);
  });

  test('a backend without header routing refuses the header route by backend and field', () => {
    const policy = RolloutPolicy.canary({ trafficPercent: 50, headerRoute: { headerName: 'x-canary', headerValue: 'true' } });
    const r = SpecResolver.rollout(policy, SAGEMAKER_CAPABILITIES, { minReplicas: 2, endpointGuardrails: GUARDRAIL_DEFAULTS });
    expect(() => r.throwIfInvalid('CanaryRollout x')).toThrow(/policy\.headerRoute: got x-canary: true; allowed: on SageMaker: no routing by request header/);
  });
});
