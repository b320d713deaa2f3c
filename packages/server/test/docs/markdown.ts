/**
 * Just enough Markdown reading for the documentation tests: fenced code blocks (with their info
 * string and line), links outside code, and the anchors GitHub gives headings.
 */

export interface FencedBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The whole info string, e.g. `sh no-run`. */
  info: string;
  /** Its first word, lowercased: the language (`sh`, `bash`, `powershell`, `text`, ...); '' when none. */
  language: string;
  /** The info string's other words, e.g. `['no-run']`. */
  flags: string[];
  /** The block's text, ending with a newline. */
  code: string;
}

// A backtick fence's info string has no backtick (CommonMark), so ```` ```sh ```` at a line's start is inline code.
const FENCE = /^( {0,3})(?:(`{3,})([^`]*)|(~{3,})(.*))$/;
const fence = (line: string) => {
  const match = FENCE.exec(line);
  return match ? { marker: (match[2] ?? match[4])!, info: (match[3] ?? match[5])! } : undefined;
};

/** Every fenced code block of a Markdown text, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = fence(lines[index]!);
    if (!open) continue;
    const marker = open.marker;
    const info = open.info.trim();
    const body: string[] = [];
    let end = index + 1;
    for (; end < lines.length; end++) {
      const close = fence(lines[end]!);
      if (close && close.marker[0] === marker[0] && close.marker.length >= marker.length && close.info.trim() === '') break;
      body.push(lines[end]!);
    }
    const [language = '', ...flags] = info.split(/\s+/).filter(Boolean);
    blocks.push({ line: index + 1, info, language: language.toLowerCase(), flags, code: body.length ? body.join('\n') + '\n' : '' });
    index = end;
  }
  return blocks;
}

/** The text with fenced blocks blanked (line numbers kept), and inline code spans removed (or only their backticks). */
function proseOnly(markdown: string, keepCodeText = false): string {
  const lines = markdown.split('\n');
  let open: string | undefined;
  return lines
    .map((line) => {
      const match = fence(line);
      if (open) {
        if (match && match.marker[0] === open[0] && match.marker.length >= open.length && match.info.trim() === '') open = undefined;
        return '';
      }
      if (match) {
        open = match.marker;
        return '';
      }
      return line.replace(/(`+)([^`]*?)\1/g, keepCodeText ? '$2' : '');
    })
    .join('\n');
}

export interface Link {
  line: number;
  target: string;
}

/** Link and image targets outside code: inline `[..](target)`, reference definitions, autolinks, HTML href/src. */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  proseOnly(markdown)
    .split('\n')
    .forEach((text, index) => {
      const line = index + 1;
      for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ line, target: match[1]! });
      const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
      if (definition) found.push({ line, target: definition[1]! });
      for (const match of text.matchAll(/<((?:https?|ftp|mailto):[^>\s]+)>/g)) found.push({ line, target: match[1]! });
      for (const match of text.matchAll(/\b(?:href|src)\s*=\s*"([^"]+)"/g)) found.push({ line, target: match[1]! });
    });
  return found;
}

/** Bare http(s) URLs in prose (outside code), which renderers turn into links too. */
export function bareUrls(markdown: string): Link[] {
  const found: Link[] = [];
  proseOnly(markdown)
    .split('\n')
    .forEach((text, index) => {
      if (/^ {0,3}\[[^\]]+\]:\s/.test(text)) return; // a reference definition: a link, not prose
      const withoutLinks = text.replace(/\]\([^)]*\)/g, '](').replace(/<[^>]*>/g, '');
      for (const match of withoutLinks.matchAll(/\bhttps?:\/\/[^\s)>\]"'`]+/g)) found.push({ line: index + 1, target: match[0].replace(/[.,;:!?]+$/, '') });
    });
  return found;
}

/** The anchors GitHub gives the headings of a Markdown text (`## A 60-second tour` → `a-60-second-tour`). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseOnly(markdown, true).split('\n')) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links keep their text
      .replace(/<[^>]+>/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}
