// "Did you mean …?" for unknown names: candidates the typed name is a prefix of come first (so
// tcp_metrics.rtt suggests the rtt_* metrics), then the ones within a small edit distance.

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

export function suggestions(name: string, candidates: Iterable<string>, max = 4): string[] {
  const lower = name.toLowerCase();
  const prefixed: string[] = [];
  const near: [string, number][] = [];
  for (const c of candidates) {
    if (c === name) continue;
    if (c.toLowerCase().startsWith(lower)) prefixed.push(c);
    else {
      const d = editDistance(lower, c.toLowerCase());
      if (d <= Math.max(2, Math.floor(name.length / 4))) near.push([c, d]);
    }
  }
  near.sort((x, y) => x[1] - y[1]);
  return [...prefixed, ...near.map(([c]) => c)].slice(0, max);
}

/** "a", "a or b", "a, b or c". */
export function oneOf(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const s = suggestions(name, candidates, 3);
  return s.length > 0 ? oneOf(s) : undefined;
}
