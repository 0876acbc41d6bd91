// Engine job ids, unique for the page's lifetime: the engine remembers cancelled ids, so an id
// reused by a panel mounted again (or a sweep resumed) would be cancelled before it starts.
let last = 0;

export function newJobId(kind: string): string {
  return `${kind}-${++last}`;
}
