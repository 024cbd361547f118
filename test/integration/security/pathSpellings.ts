/**
 * Ways to spell a request target that a router may map to the same route as `path` while the raw text
 * looks different: each letter percent-encoded, absolute-form targets, fragments, doubled slashes, dot
 * segments, case. Each is a request an attacker can write on a socket.
 */
export interface Spelling {
  label: string;
  target: string;
}

const hex = (ch: string, lower = false) => {
  const h = ch.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${lower ? h.toLowerCase() : h.toUpperCase()}`;
};

export function spellingsOf(path: string, port: number): Spelling[] {
  const out: Spelling[] = [{ label: 'as is', target: path }];
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (!/[A-Za-z0-9]/.test(ch)) continue;
    out.push({ label: `letter ${i} (${ch}) encoded`, target: path.slice(0, i) + hex(ch) + path.slice(i + 1) });
  }
  const firstLetter = path.search(/[A-Za-z]/);
  const at = (i: number, s: string) => path.slice(0, i) + s + path.slice(i + 1);
  out.push(
    { label: 'first letter lower-case hex', target: at(firstLetter, hex(path[firstLetter]!, true)) },
    { label: 'every letter encoded', target: path.replace(/[A-Za-z0-9]/g, (c) => hex(c)) },
    { label: 'double-encoded letter', target: at(firstLetter, `%25${hex(path[firstLetter]!).slice(1)}`) },
    { label: 'absolute-form 127.0.0.1', target: `http://127.0.0.1:${port}${path}` },
    { label: 'absolute-form localhost', target: `http://localhost:${port}${path}` },
    { label: 'absolute-form, scheme in capitals', target: `HTTP://127.0.0.1:${port}${path}` },
    { label: 'absolute-form https', target: `https://127.0.0.1:${port}${path}` },
    { label: 'absolute-form with an encoded letter', target: `http://127.0.0.1:${port}${at(firstLetter, hex(path[firstLetter]!))}` },
    { label: 'absolute-form naming another host', target: `http://evil.example${path}` },
    { label: 'fragment', target: `${path}#x` },
    { label: 'empty fragment', target: `${path}#` },
    { label: 'query then fragment', target: `${path}?#x` },
    { label: 'encoded letter and fragment', target: `${at(firstLetter, hex(path[firstLetter]!))}#x` },
    { label: 'leading double slash', target: `/${path}` },
    { label: 'every slash doubled', target: path.replace(/\//g, '//') },
    { label: 'leading dot segment', target: `/.${path}` },
    { label: 'inner dot segment', target: path.replace(/\/([^/]*)$/, '/./$1') },
    { label: 'dot-dot through a window path', target: `/assets/..${path}` },
    { label: 'trailing slash', target: `${path}/` },
    { label: 'trailing dot segment', target: `${path}/.` },
    { label: 'encoded inner slash', target: path.slice(0, 1) + path.slice(1).replace('/', '%2F') },
    { label: 'matrix parameter', target: `${path};x` },
    { label: 'encoded NUL', target: `${path}%00` },
    { label: 'upper case', target: path.toUpperCase() },
    { label: 'first letter upper case', target: at(firstLetter, path[firstLetter]!.toUpperCase()) },
  );
  return out;
}
