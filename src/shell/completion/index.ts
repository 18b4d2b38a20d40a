import { renderBash } from './bash';
import { renderFish } from './fish';
import type { CompletionShell, CompletionSpec } from './spec';
import { renderZsh } from './zsh';

export { completionShells, type CompletionShell, type CompletionSpec, type CompletionCommand, type CompletionOption, type Values } from './spec';

export function renderCompletion(shell: CompletionShell, spec: CompletionSpec): string {
  switch (shell) {
    case 'bash':
      return renderBash(spec);
    case 'zsh':
      return renderZsh(spec);
    case 'fish':
      return renderFish(spec);
  }
}
