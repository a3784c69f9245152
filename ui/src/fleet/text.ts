// Text matching shared by the fleet search and the command palette.
//
// Case-insensitive, and Korean-aware: strings are NFC-normalised (file names and CSVs
// from macOS often carry decomposed Hangul), and a query made only of initial consonants
// (초성, e.g. "ㅇㅋ") matches the syllables that start with them, as Korean users expect.

const SYLLABLE_FIRST = 0xac00;
const SYLLABLE_LAST = 0xd7a3;
const SYLLABLES_PER_INITIAL = 21 * 28;
const INITIALS = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';

export function normalize(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

/** Each Hangul syllable replaced by its initial consonant; other characters kept. */
export function initials(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    out +=
      code >= SYLLABLE_FIRST && code <= SYLLABLE_LAST
        ? (INITIALS[Math.floor((code - SYLLABLE_FIRST) / SYLLABLES_PER_INITIAL)] ?? ch)
        : ch;
  }
  return out;
}

function isInitialsOnly(q: string): boolean {
  if (q === '') return false;
  for (const ch of q) if (!INITIALS.includes(ch) && ch !== ' ') return false;
  return true;
}

/** Whether `value` contains the already-normalised query `q`. */
export function contains(value: string, q: string): boolean {
  if (q === '') return true;
  const v = normalize(value);
  if (v.includes(q)) return true;
  return isInitialsOnly(q) && initials(v).includes(q);
}

export type MatchRank = 0 | 1 | 2 | 3;

/**
 * How well `value` matches the normalised query: 0 exact, 1 prefix, 2 prefix of a word
 * (after a space, '-', '.', '_' or '/'), 3 anywhere; `null` when it does not match.
 */
export function rank(value: string, q: string): MatchRank | null {
  if (q === '') return 3;
  let v = normalize(value);
  if (!v.includes(q)) {
    if (!isInitialsOnly(q)) return null;
    v = initials(v);
    if (!v.includes(q)) return null;
  }
  if (v === q) return 0;
  if (v.startsWith(q)) return 1;
  if (v.split(/[\s\-._/]+/).some((word) => word.startsWith(q))) return 2;
  return 3;
}
