import { keyVaultName, storageAccountName } from '../../constructs/azure/names';

describe('Azure names the shared NameRule does not cover', () => {
  test.each(['digits', 'a', 'fraud-classifier-with-a-very-long-name', '9lives', 'digits-5320a8fa-budg-enforcerfn'])('storage account and key vault names for %s', (prefix) => {
    const sa = storageAccountName(prefix, 'seed');
    expect(sa).toMatch(/^[a-z0-9]{3,24}$/);
    const kv = keyVaultName(prefix, 'seed');
    expect(kv).toMatch(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
    expect(kv).not.toContain('--');
  });

  test('the seed makes them distinct (both are globally unique in Azure)', () => {
    expect(storageAccountName('digits', 'a')).not.toBe(storageAccountName('digits', 'b'));
    expect(keyVaultName('digits', 'a')).not.toBe(keyVaultName('digits', 'b'));
  });
});
