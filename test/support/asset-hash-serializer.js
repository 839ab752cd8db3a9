// Replaces asset hashes (64 hex characters) in snapshots, so a changed model byte or a rebuilt runtime
// does not churn every snapshot. Everything else in the template still has to match.
const HASH = /[0-9a-f]{64}/g;
module.exports = {
  test: (value) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value) => JSON.stringify(value.replace(HASH, '<asset-hash>')),
};
