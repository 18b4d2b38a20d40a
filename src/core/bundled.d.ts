/**
 * true in dist/ (scripts/build.mjs defines it), absent when the sources run directly (tests), so
 * code asks `typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED`. A global that the build
 * replaces where it is written, not an imported constant: only then does esbuild drop the branch
 * not taken, and with it the require() of the sources that a chunk of its own would bring.
 */
declare const AWSDIR_BUNDLED: boolean | undefined;
