// esbuild embeds files imported `with { type: 'text' }` as strings at build time.
declare module '*.sh' {
  const text: string;
  export default text;
}
