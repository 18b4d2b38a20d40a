// Text embedded at build time by esbuild's `with { type: 'text' }` (see loadTemplate.ts).
declare module '*.envrc' {
  const text: string;
  export default text;
}
declare module '*.yaml' {
  const text: string;
  export default text;
}
