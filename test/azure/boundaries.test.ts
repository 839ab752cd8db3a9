/**
 * Log retention tried at its edges. The receiver's range: azurerm_log_analytics_workspace `retention_in_days`
 * "Possible values are either 7 (Free Tier only) or range between 30 and 730"
 * (hashicorp/terraform-provider-azurerm, website/docs/r/log_analytics_workspace.html.markdown); the
 * constructs create PerGB2018 workspaces, so 30..730 whole days.
 */
import { SecureWorkspace, WorkspaceSource } from '../../constructs/azure';
import { endpoint } from './support/fixtures';
import { resourcesOf, synth } from './support/synth';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectProblems } from '../support/expect-problems';

const retentions = (days: number): unknown[] => {
  const { tf } = synth((s) => endpoint(s, { workspace: WorkspaceSource.create({ logRetentionDays: days }) }));
  return Object.values(resourcesOf(tf as never, 'azurerm_log_analytics_workspace')).map((w) => w.retention_in_days);
};

describe('logRetentionDays at the edges of 30..730', () => {
  test.each([30, 730])('%d days: accepted and written to the Log Analytics workspace as is', (days) => {
    expect(retentions(days)).toEqual([days]);
  });

  test.each([29, 731])('%d days: refused at synth, naming the field, the value and the range', (days) => {
    expectProblems(() => retentions(days), new RegExp(`workspace\\.logRetentionDays: got ${days}; allowed: a whole number of days from 30 to 730`));
  });

  test.each([
    [30, undefined],
    [730, undefined],
    [29, /logRetentionDays: got 29/],
    [731, /logRetentionDays: got 731/],
  ])('SecureWorkspace alone: %d days', (days, refusal) => {
    const build = () => synthScopeValidated((s) => new SecureWorkspace(s, 'W', { resourceGroupName: 'rg', location: 'westeurope', namePrefix: 'digits', tags: {}, logRetentionDays: days }));
    if (refusal) expectProblems(build, refusal);
    else expect(build).not.toThrow();
  });
});
