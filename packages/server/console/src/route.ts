/** The console's pages live in the URL's hash (#/partners/…), so pcapi serves one HTML file. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments after `#/`. */
  parts: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = text.split('?', 2);
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** A hash link: `href('partners', id)` → `#/partners/<id>`, with optional query values. */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const path = parts.filter((part): part is string => typeof part === 'string').map(encodeURIComponent).join('/');
  const values = parts.find((part): part is Record<string, string | undefined> => typeof part === 'object');
  const search = values ? new URLSearchParams(Object.entries(values).filter((entry): entry is [string, string] => !!entry[1])).toString() : '';
  return `#/${path}${search ? `?${search}` : ''}`;
}
