/**
 * `count` followed by `noun` in the right number, for messages:
 * `plural(1, 'byte')` is "1 byte", `plural(2, 'byte')` is "2 bytes"; give
 * `pluralNoun` for an irregular plural.
 */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
