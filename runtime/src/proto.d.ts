/** .proto files are bundled as text (esbuild `text` loader; a jest transform in tests). */
declare module '*.proto' {
  const text: string;
  export default text;
}
