import { closeSync, openSync } from 'node:fs';
import { readTty } from '../mfa/readTty';
import type { Ask } from './planInit';

/**
 * Init's questions on the controlling terminal, or undefined when there is none (opening /dev/tty
 * fails at once with ENXIO in CI and IDEs). An empty answer takes the offered default.
 */
export function terminalAsk(deps: { signal: AbortSignal; stderr: (text: string) => void }): Ask | undefined {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
  } catch {
    return undefined;
  }
  const ask = async (question: string, fallback?: string): Promise<string> => {
    const prompt = question.endsWith(': ') ? question : question.endsWith(']') ? `${question} ` : `${question}${fallback ? ` [${fallback}]` : ''}: `;
    const answer = await readTty({ prompt, echo: 'self', accept: (c) => c >= ' ', signal: deps.signal, noTerminalHint: 'pass the values as flags' });
    return answer.trim() === '' && fallback !== undefined ? fallback : answer;
  };
  return Object.assign(ask, { say: async (text: string) => deps.stderr(`  ${text}\n`) });
}
