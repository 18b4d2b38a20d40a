// esbuild embeds files imported `with { type: 'text' }` as strings at build time (see bundledText.ts).
declare module '*.sh' {
  const text: string;
  export default text;
}
declare module '*.envrc' {
  const text: string;
  export default text;
}
declare module '*.yaml' {
  const text: string;
  export default text;
}
