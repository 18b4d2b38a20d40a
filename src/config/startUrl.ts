/** The portal takes its URL with a trailing slash or `#/`, as people paste it: one sign-in for all. */
export function normaliseStartUrl(url: string): string {
  return url.replace(/#.*$/, '').replace(/\/+$/, '');
}
