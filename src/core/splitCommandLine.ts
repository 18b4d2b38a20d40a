/**
 * Splits a command line as a POSIX shell would for words, quotes and backslashes, and does nothing
 * else: no variables, no globs, no pipes. Both `mfa_process` (user file) and `credential_process`
 * (AWS config) are run without a shell, so nothing in those files is interpreted twice; the AWS CLI
 * splits credential_process the same way. `unclosed` makes the caller's error for a quote left open,
 * since only the caller can say which file to fix.
 */
export function splitCommandLine(line: string, unclosed: (quote: "'" | '"') => Error): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw unclosed(quote);
  if (inWord) words.push(word);
  return words;
}
