/**
 * Warnings about configuration that is accepted as written (a region newer than awsdir's list of
 * regions). They are found deep in the slow path of the resolved-config cache, which has no
 * reporter, and said when the configuration is computed: once per change of the files, never on a
 * cache hit. The full CLI's entry point says where they go; a message is said once per process.
 */
type Listener = (message: string) => void;

let listener: Listener | undefined;
const said = new Set<string>();

/** Sends every warning from now on to `fn`; returns the function that stops it. */
export function onConfigWarning(fn: Listener): () => void {
  listener = fn;
  said.clear();
  return () => {
    if (listener === fn) listener = undefined;
  };
}

export function configWarning(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  listener?.(message);
}
