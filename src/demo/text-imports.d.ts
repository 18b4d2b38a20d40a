// esbuild embeds files imported `with { type: 'text' }` as strings at build time.
declare module '*.yaml' {
  const text: string;
  export default text;
}
