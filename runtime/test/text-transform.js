/** Jest transform: a .proto file is imported as its text, as esbuild's `text` loader bundles it. */
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
